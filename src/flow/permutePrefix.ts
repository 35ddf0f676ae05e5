import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../formats/modelSpec';
import { invertPermutation } from './actNormPermute';
import type { InvertibleLayer } from './layer';
import { permuteAxis } from './permute';
import type { WeightStore } from './weightStore';

type PermuteSpec = Extract<LayerSpec, { type: 'permute_prefix' }>;

/** out[i] = in[indices[i]] for the first P features of a flat vector; the rest pass through. */
export class PermutePrefix implements InvertibleLayer {
  readonly type = 'permute_prefix';
  readonly name: string;
  private readonly length: number;
  private readonly forwardIndex: tf.Tensor;
  private readonly inverseIndex: tf.Tensor;

  constructor(spec: PermuteSpec, weights: WeightStore) {
    this.name = spec.name;
    const perm = weights.int32(spec.indices);
    this.length = perm.length;
    this.forwardIndex = tf.tensor1d(perm, 'int32');
    this.inverseIndex = tf.tensor1d(invertPermutation(perm), 'int32');
  }

  private apply(x: tf.Tensor, index: tf.Tensor, inverse: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const rest = x.shape[1]! - this.length;
      if (rest === 0) return permuteAxis(x, index, inverse, 1);
      const [head, tail] = tf.split(x, [this.length, rest], 1);
      return tf.concat([permuteAxis(head, index, inverse, 1), tail], 1);
    });
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => ({ y: this.apply(x, this.forwardIndex, this.inverseIndex), logDet: tf.zeros([x.shape[0]]) }));
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return this.apply(y, this.inverseIndex, this.forwardIndex);
  }

  dispose(): void {
    tf.dispose([this.forwardIndex, this.inverseIndex]);
  }
}
