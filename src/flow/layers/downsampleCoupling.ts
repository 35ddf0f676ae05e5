import * as tf from '@tensorflow/tfjs';
import { arr, int, type JsonObject, ModelSpecError, num, str } from '../../formats/jsonFields';
import type { InvertibleLayer } from '../layer';
import { depthToSpace, spaceToDepth, sumPerSample } from '../spaceToDepth';
import { fusedKernelsActive, runFused } from '../webgpu/fused';
import { actNormInverseSlice, downsampleForwardHalf, downsampleForwardOut, downsampleInverseHalf, downsampleInverseOut, logScaleSum } from '../webgpu/programs';
import type { WeightStore } from '../weightStore';
import { ActNormPermute, type ActNormSpec, actNormFromCheckpoint, checkActNorm, parseActNorm } from './actNorm';
import { halvedInput, hasPrefix, type LayerDefinition, splitChannels } from './definition';
import { checkSubnet, parseSubnet, Subnet, type SubnetOpSpec, subnetFromCheckpoint } from './subnet';

export interface DownsampleCouplingSpec {
  type: 'downsample_coupling';
  name: string;
  channels: number;
  clamp: number;
  subnetStrided: SubnetOpSpec[];
  subnetLowRes: SubnetOpSpec[];
  actNorm: ActNormSpec;
}

/** The authors' downsampling coupling; in their state dict: `s_hi.*` (strided), `s_lo.*`, act_norm, act_offset, w. */
export const downsampleCouplingLayer: LayerDefinition<DownsampleCouplingSpec> = {
  type: 'downsample_coupling',
  parse(raw: JsonObject, path: string): DownsampleCouplingSpec {
    const channels = int(raw, 'channels', path, 1);
    if (channels < 2) throw new ModelSpecError(`${path}.channels`, 'must be at least 2 to split');
    return {
      type: 'downsample_coupling',
      name: str(raw, 'name', path),
      channels,
      clamp: num(raw, 'clamp', path, 0),
      subnetStrided: parseSubnet(arr(raw, 'subnetStrided', path), `${path}.subnetStrided`),
      subnetLowRes: parseSubnet(arr(raw, 'subnetLowRes', path), `${path}.subnetLowRes`),
      actNorm: parseActNorm(raw, path),
    };
  },
  outputShape: halvedInput,
  checkWeights(spec, input, need, path) {
    const { len1, len2 } = splitChannels(spec.channels);
    const [h, w] = input;
    checkSubnet(spec.subnetStrided, `${path}.subnetStrided`, [h, w, len1], [h / 2, w / 2, 8 * len2], need);
    checkSubnet(spec.subnetLowRes, `${path}.subnetLowRes`, [h / 2, w / 2, 4 * len2], [h / 2, w / 2, 8 * len1], need);
    checkActNorm(spec.actNorm, path, 4 * input[2], need);
  },
  build: (spec, weights) => new DownsampleCoupling(spec, weights),
  checkpoint: {
    matches: (node) => hasPrefix(node, 's_hi.') && hasPrefix(node, 's_lo.') && node.tensors.has('w'),
    inputChannels: (node) => (node.tensors.get('act_norm')?.shape[1] ?? NaN) / 4,
    async convert(node, [, , c], { constants, sink }) {
      const { len1, len2 } = splitChannels(c);
      const subnetStrided = await subnetFromCheckpoint(node, 's_hi', [len1, 8 * len2], true, sink);
      const subnetLowRes = await subnetFromCheckpoint(node, 's_lo', [4 * len2, 8 * len1], false, sink);
      const actNorm = await actNormFromCheckpoint(node, 4 * c, sink);
      return { type: 'downsample_coupling', name: node.name, channels: c, clamp: constants.clamp, subnetStrided, subnetLowRes, actNorm };
    },
  },
};

/**
 * Coupling that halves the resolution: both halves go through space-to-depth, the second is
 * transformed by a strided subnet of the first at full resolution, then the first by a subnet
 * of the transformed second. Ends with act-norm and a permutation over 4C channels.
 */
export class DownsampleCoupling implements InvertibleLayer {
  readonly type = 'downsample_coupling';
  readonly name: string;
  private readonly len1: number;
  private readonly len2: number;
  private readonly clamp: number;
  private readonly strided: Subnet;
  private readonly lowRes: Subnet;
  private readonly actNorm: ActNormPermute;

  constructor(spec: DownsampleCouplingSpec, weights: WeightStore) {
    this.name = spec.name;
    ({ len1: this.len1, len2: this.len2 } = splitChannels(spec.channels));
    this.clamp = spec.clamp;
    this.strided = new Subnet(spec.subnetStrided, weights);
    this.lowRes = new Subnet(spec.subnetLowRes, weights);
    this.actNorm = new ActNormPermute(spec.actNorm, weights);
  }

  /** Splits a subnet output into clamp·tanh(0.2 a_s) and the unscaled shift a_t. */
  private logScaleAndShift(a: tf.Tensor, channels: number): [tf.Tensor, tf.Tensor] {
    const [s, t] = tf.split(a, [channels, channels], 3);
    return [tf.mul(this.clamp, tf.tanh(tf.mul(0.2, s))), t];
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => {
      if (fusedKernelsActive()) return this.fusedForward(x);
      const [x1, x2] = tf.split(x, [this.len1, this.len2], 3);
      const [logS2, shift2] = this.logScaleAndShift(this.strided.apply(x1), 4 * this.len2);
      const y2 = tf.add(tf.mul(spaceToDepth(x2), tf.exp(logS2)), shift2);
      const [logS1, shift1] = this.logScaleAndShift(this.lowRes.apply(y2), 4 * this.len1);
      const y1 = tf.add(tf.mul(spaceToDepth(x1), tf.exp(logS1)), shift1);
      const [, h, w] = y1.shape;
      const y = this.actNorm.forward(tf.concat([y1, y2], 3));
      const logDet = tf.add(tf.add(sumPerSample(logS1), sumPerSample(logS2)), this.actNorm.logDet(h, w));
      return { y, logDet };
    });
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (fusedKernelsActive()) return this.fusedInverse(y);
      const [y1, y2] = tf.split(this.actNorm.inverse(y), [4 * this.len1, 4 * this.len2], 3);
      const [logS1, shift1] = this.logScaleAndShift(this.lowRes.apply(y2), 4 * this.len1);
      const x1 = depthToSpace(tf.mul(tf.sub(y1, shift1), tf.exp(tf.neg(logS1))));
      const [logS2, shift2] = this.logScaleAndShift(this.strided.apply(x1), 4 * this.len2);
      const x2 = depthToSpace(tf.mul(tf.sub(y2, shift2), tf.exp(tf.neg(logS2))));
      return tf.concat([x1, x2], 3);
    });
  }

  /** The same forward on WebGPU: each half's coupling in one dispatch (the second with act-norm and permutation), the log-determinant in one. */
  private fusedForward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    const [b, h, w] = x.shape;
    const { len1, len2, clamp } = this;
    const a2 = this.strided.apply(x, len1);
    const y2 = runFused(downsampleForwardHalf(x.shape, len1, len2, clamp), [x, a2]);
    const a1 = this.lowRes.apply(y2);
    const { scale, offset, forwardIndex } = this.actNorm.parts;
    const y = runFused(downsampleForwardOut(x.shape, len1, len2, clamp), [x, a1, y2, scale, offset, forwardIndex]);
    const pixels = (h / 2) * (w / 2);
    const terms = [
      { perSample: pixels * 8 * len1, k: 4 * len1, factor: 0.2 },
      { perSample: pixels * 8 * len2, k: 4 * len2, factor: 0.2 },
    ];
    const logDet = runFused(logScaleSum(b, terms, clamp, this.actNorm.logDet(h / 2, w / 2)), [a1, a2]);
    return { y, logDet };
  }

  /** The same inverse on WebGPU: act-norm⁻¹ of the second half, then each half's inverse coupling (with depth-to-space), one dispatch each. */
  private fusedInverse(y: tf.Tensor): tf.Tensor {
    const [b, h, w, c4] = y.shape;
    const full = [b, 2 * h, 2 * w, c4 / 4];
    const { len1, len2, clamp } = this;
    const { scale, offset, inverseIndex } = this.actNorm.parts;
    const u2 = runFused(actNormInverseSlice(y.shape, 4 * len1, 4 * len2), [y, scale, offset, inverseIndex]);
    const a1 = this.lowRes.apply(u2);
    const x1 = runFused(downsampleInverseHalf(full, len1, clamp), [y, a1, scale, offset, inverseIndex]);
    const a2 = this.strided.apply(x1);
    return runFused(downsampleInverseOut(full, len1, len2, clamp), [x1, u2, a2]);
  }

  dispose(): void {
    this.strided.dispose();
    this.lowRes.dispose();
    this.actNorm.dispose();
  }
}
