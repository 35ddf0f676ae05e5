import * as tf from '@tensorflow/tfjs';

/**
 * out = gather(x, index, axis) for a permutation index, whose gradient is the gather by the
 * inverse permutation. tfjs's generic gather gradient is a segment sum, which is slow on
 * every backend and quadratic on cpu.
 */
export function permuteAxis(x: tf.Tensor, index: tf.Tensor, inverse: tf.Tensor, axis: number): tf.Tensor {
  const permute = tf.customGrad((input) => ({
    value: tf.gather(input as tf.Tensor, index, axis),
    gradFunc: (dy) => tf.gather(dy as tf.Tensor, inverse, axis),
  }));
  return permute(x);
}
