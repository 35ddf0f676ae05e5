import * as tf from '@tensorflow/tfjs';
import type { ActNormSpec } from '../formats/modelSpec';
import { permuteAxis } from './permute';
import type { WeightStore } from './weightStore';

/** y = P(x · scale + offset): the act-norm and fixed channel permutation that end each coupling block. */
export class ActNormPermute {
  private readonly scale: tf.Tensor;
  private readonly offset: tf.Tensor;
  private readonly forwardIndex: tf.Tensor;
  private readonly inverseIndex: tf.Tensor;
  /** Σ_c log(scale_c + 1e-12), as the reference adds it; multiply by H·W per sample. */
  readonly logScaleSum: number;

  constructor(spec: ActNormSpec, weights: WeightStore) {
    const scale = weights.float32(spec.scale);
    this.logScaleSum = scale.reduce((sum, s) => sum + Math.log(s + 1e-12), 0);
    this.scale = tf.tensor1d(scale);
    this.offset = weights.tensor1d(spec.offset);
    const perm = weights.int32(spec.permutation);
    this.forwardIndex = tf.tensor1d(perm, 'int32');
    this.inverseIndex = tf.tensor1d(invertPermutation(perm), 'int32');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return permuteAxis(tf.add(tf.mul(x, this.scale), this.offset), this.forwardIndex, this.inverseIndex, 3);
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.div(tf.sub(permuteAxis(y, this.inverseIndex, this.forwardIndex, 3), this.offset), this.scale);
  }

  /** The act-norm's log-determinant for a feature map of h × w pixels. */
  logDet(h: number, w: number): number {
    return h * w * this.logScaleSum;
  }

  dispose(): void {
    tf.dispose([this.scale, this.offset, this.forwardIndex, this.inverseIndex]);
  }
}

export function invertPermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  perm.forEach((j, i) => (inv[j] = i));
  return inv;
}
