import * as tf from '@tensorflow/tfjs';
import { arr, int, type JsonObject, num, str } from '../../formats/jsonFields';
import type { InvertibleLayer } from '../layer';
import { sumPerSample } from '../spaceToDepth';
import { fusedKernelsActive, runFused } from '../webgpu/fused';
import { actNormInverseSlice, couplingForward, couplingInverse, logScaleSum } from '../webgpu/programs';
import type { WeightStore } from '../weightStore';
import { ActNormPermute, type ActNormSpec, actNormFromCheckpoint, checkActNorm, parseActNorm } from './actNorm';
import { hasPrefix, imageInput, type LayerDefinition, splitChannels } from './definition';
import { checkSubnet, parseSubnet, Subnet, type SubnetOpSpec, subnetFromCheckpoint } from './subnet';

export interface CouplingSpec {
  type: 'coupling';
  name: string;
  channels: number;
  clamp: number;
  subnet: SubnetOpSpec[];
  actNorm: ActNormSpec;
}

/** FrEIA's AllInOneBlock as the authors configure it; in their state dict: `s.*` (subnet), act_norm, act_offset, w. */
export const couplingLayer: LayerDefinition<CouplingSpec> = {
  type: 'coupling',
  parse: (raw: JsonObject, path: string): CouplingSpec => ({
    type: 'coupling',
    name: str(raw, 'name', path),
    channels: int(raw, 'channels', path, 1),
    clamp: num(raw, 'clamp', path, 0),
    subnet: parseSubnet(arr(raw, 'subnet', path), `${path}.subnet`),
    actNorm: parseActNorm(raw, path),
  }),
  outputShape(spec, input) {
    imageInput(spec, input);
    return input;
  },
  checkWeights(spec, input, need, path) {
    const { len1, len2 } = splitChannels(spec.channels);
    const [h, w] = input;
    checkSubnet(spec.subnet, `${path}.subnet`, [h, w, len1], [h, w, 2 * len2], need);
    checkActNorm(spec.actNorm, path, input[2], need);
  },
  build: (spec, weights) => new AffineCoupling(spec, weights),
  checkpoint: {
    matches: (node) => hasPrefix(node, 's.') && node.tensors.has('w'),
    inputChannels: (node) => node.tensors.get('act_norm')?.shape[1] ?? NaN,
    async convert(node, [, , c], { constants, sink }) {
      const { len1, len2 } = splitChannels(c);
      const subnet = await subnetFromCheckpoint(node, 's', [len1, 2 * len2], false, sink);
      const actNorm = await actNormFromCheckpoint(node, c, sink);
      return { type: 'coupling', name: node.name, channels: c, clamp: constants.clamp, subnet, actNorm };
    },
  },
};

/**
 * All-in-one affine coupling: x2' = x2 · exp(clamp · tanh(0.1 a_s)) + 0.1 a_t with a = s(x1),
 * then act-norm and a fixed channel permutation.
 */
export class AffineCoupling implements InvertibleLayer {
  readonly type = 'coupling';
  readonly name: string;
  private readonly len1: number;
  private readonly len2: number;
  private readonly clamp: number;
  private readonly subnet: Subnet;
  private readonly actNorm: ActNormPermute;

  constructor(spec: CouplingSpec, weights: WeightStore) {
    this.name = spec.name;
    ({ len1: this.len1, len2: this.len2 } = splitChannels(spec.channels));
    this.clamp = spec.clamp;
    this.subnet = new Subnet(spec.subnet, weights);
    this.actNorm = new ActNormPermute(spec.actNorm, weights);
  }

  private logScaleAndShift(x1: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const a = this.subnet.apply(x1);
    const [s, t] = tf.split(a, [this.len2, this.len2], 3);
    return [tf.mul(this.clamp, tf.tanh(tf.mul(0.1, s))), tf.mul(0.1, t)];
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => {
      if (this.len2 > 0 && fusedKernelsActive()) return this.fusedForward(x);
      const [x1, x2] = tf.split(x, [this.len1, this.len2], 3);
      const [logS, shift] = this.logScaleAndShift(x1);
      const y2 = tf.add(tf.mul(x2, tf.exp(logS)), shift);
      const [, h, w] = x.shape;
      const y = this.actNorm.forward(tf.concat([x1, y2], 3));
      return { y, logDet: tf.add(sumPerSample(logS), this.actNorm.logDet(h, w)) };
    });
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.len2 > 0 && fusedKernelsActive()) return this.fusedInverse(y);
      const [x1, y2] = tf.split(this.actNorm.inverse(y), [this.len1, this.len2], 3);
      const [logS, shift] = this.logScaleAndShift(x1);
      return tf.concat([x1, tf.mul(tf.sub(y2, shift), tf.exp(tf.neg(logS)))], 3);
    });
  }

  /** The same forward on WebGPU: the whole tail (coupling, act-norm, permutation) in one dispatch, the log-determinant in another. */
  private fusedForward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    const [b, h, w] = x.shape;
    const a = this.subnet.apply(x, this.len1);
    const { scale, offset, forwardIndex } = this.actNorm.parts;
    const y = runFused(couplingForward(x.shape, this.len1, this.len2, this.clamp), [x, a, scale, offset, forwardIndex]);
    const term = { perSample: h * w * 2 * this.len2, k: this.len2, factor: 0.1 };
    const logDet = runFused(logScaleSum(b, [term], this.clamp, this.actNorm.logDet(h, w)), [a]);
    return { y, logDet };
  }

  /** The same inverse on WebGPU: x1 = act-norm⁻¹ of the permuted input in one dispatch, then the whole tail in another. */
  private fusedInverse(y: tf.Tensor): tf.Tensor {
    const { scale, offset, inverseIndex } = this.actNorm.parts;
    const x1 = runFused(actNormInverseSlice(y.shape, 0, this.len1), [y, scale, offset, inverseIndex]);
    const a = this.subnet.apply(x1);
    return runFused(couplingInverse(y.shape, this.len1, this.len2, this.clamp), [y, a, scale, offset, inverseIndex]);
  }

  dispose(): void {
    this.subnet.dispose();
    this.actNorm.dispose();
  }
}
