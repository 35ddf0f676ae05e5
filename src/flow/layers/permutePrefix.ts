import * as tf from '@tensorflow/tfjs';
import { type JsonObject, str, weightName } from '../../formats/jsonFields';
import type { InvertibleLayer } from '../layer';
import { permuteAxis } from '../permute';
import type { WeightStore } from '../weightStore';
import { invertPermutation } from './actNorm';
import { type LayerDefinition, LayerShapeError } from './definition';

/** Permutes the first indices.length features of a flat vector; the rest pass through. */
export interface PermutePrefixSpec {
  type: 'permute_prefix';
  name: string;
  indices: string;
}

/** The authors' PermuteRandom on z_fc. Not stored in their checkpoints: the converter regenerates it from its seed. */
export const permutePrefixLayer: LayerDefinition<PermutePrefixSpec> = {
  type: 'permute_prefix',
  parse: (raw: JsonObject, path: string): PermutePrefixSpec => ({
    type: 'permute_prefix',
    name: str(raw, 'name', path),
    indices: weightName(raw, 'indices', path),
  }),
  outputShape(_spec, input) {
    if (input.length !== 1) throw new LayerShapeError(null, `needs a flat input, got [${input}]`);
    return input;
  },
  checkWeights(spec, input, need, path) {
    const length = need(`${path}.indices`, spec.indices, [null], 'int32').shape[0];
    if (length > input[0]) throw new LayerShapeError('indices', `permutes ${length} features of ${input[0]}`);
  },
  build: (spec, weights) => new PermutePrefix(spec, weights),
};

/** out[i] = in[indices[i]] for the first P features of a flat vector; the rest pass through. */
export class PermutePrefix implements InvertibleLayer {
  readonly type = 'permute_prefix';
  readonly name: string;
  private readonly length: number;
  private readonly forwardIndex: tf.Tensor;
  private readonly inverseIndex: tf.Tensor;

  constructor(spec: PermutePrefixSpec, weights: WeightStore) {
    this.name = spec.name;
    const perm = weights.int32(spec.indices);
    this.length = perm.length;
    this.forwardIndex = tf.tensor1d(perm, 'int32');
    this.inverseIndex = tf.tensor1d(invertPermutation(perm, spec.indices), 'int32');
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
