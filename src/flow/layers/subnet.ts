import * as tf from '@tensorflow/tfjs';
import { ArchitectureError } from '../../formats/architectureError';
import { clipName } from '../../formats/describeValue';
import { int, isObject, type Json, ModelSpecError, weightName } from '../../formats/jsonFields';
import { atMost, MODEL_LIMITS } from '../../formats/modelLimits';
import type { TensorRecord } from '../../formats/torchTensor';
import type { WeightSink } from '../../formats/weightSink';
import { fusedKernelsActive, runFused } from '../webgpu/fused';
import { affinePrefix } from '../webgpu/programs';
import type { WeightStore } from '../weightStore';
import type { CheckpointNode, FeatureShape, WeightCheck } from './definition';

/** One step of a coupling's subnet in model.json. */
export type SubnetOpSpec =
  | { op: 'conv'; weight: string; bias?: string; stride: number; padding: number }
  | { op: 'relu' }
  /** A BatchNorm with no conv before it, run as a per-channel affine. */
  | { op: 'affine'; scale: string; shift: string };

export function parseSubnet(ops: Json[], path: string): SubnetOpSpec[] {
  atMost(path, ops.length, MODEL_LIMITS.subnetOps, 'ops in a subnet');
  return ops.map((raw, i): SubnetOpSpec => {
    const p = `${path}[${i}]`;
    if (!isObject(raw)) throw new ModelSpecError(p, 'must be an object');
    if (raw.op === 'relu') return { op: 'relu' };
    if (raw.op === 'affine') return { op: 'affine', scale: weightName(raw, 'scale', p), shift: weightName(raw, 'shift', p) };
    if (raw.op !== 'conv') throw new ModelSpecError(`${p}.op`, `unknown subnet op ${JSON.stringify(raw.op)}`);
    const conv = { op: 'conv' as const, weight: weightName(raw, 'weight', p), stride: int(raw, 'stride', p, 1), padding: int(raw, 'padding', p, 0) };
    return raw.bias === undefined ? conv : { ...conv, bias: weightName(raw, 'bias', p) };
  });
}

/**
 * Checks that the subnet's weights chain from the input [H, W, C] to the output the coupling needs,
 * and that no conv costs more than its weights suggest: padding at most (k − 1) / 2 (what keeps a
 * stride-1 conv from growing the map; huge padding overran wasm memory), stride at most k, and
 * activations and channel counts within MODEL_LIMITS.
 */
export function checkSubnet(ops: SubnetOpSpec[], path: string, input: FeatureShape, output: FeatureShape, need: WeightCheck): void {
  let [h, w, c] = input;
  ops.forEach((op, i) => {
    const p = `${path}[${i}]`;
    if (op.op === 'affine') {
      need(`${p}.scale`, op.scale, [c]);
      need(`${p}.shift`, op.shift, [c]);
    } else if (op.op === 'conv') {
      const [kh, kw, , cOut] = need(`${p}.weight`, op.weight, [null, null, c, null]).shape;
      atMost(`${p}.weight`, cOut, MODEL_LIMITS.convChannels, 'output channels of a conv');
      if (kh < 1 || kw < 1) throw new ModelSpecError(`${p}.weight`, `has an empty ${kh}x${kw} kernel`);
      atMost(`${p}.padding`, op.padding, Math.floor((Math.min(kh, kw) - 1) / 2), `half the ${kh}x${kw} kernel, rounded down`);
      atMost(`${p}.stride`, op.stride, Math.min(kh, kw), `the ${kh}x${kw} kernel's size`);
      if (op.bias !== undefined) need(`${p}.bias`, op.bias, [cOut]);
      [h, w, c] = [h, w].map((d, k) => Math.floor((d + 2 * op.padding - [kh, kw][k]) / op.stride) + 1).concat(cOut);
      if (h < 1 || w < 1) throw new ModelSpecError(`${p}.weight`, `its ${kh}x${kw} kernel does not fit the ${input[0]}x${input[1]} input`);
      atMost(p, h * w * c, MODEL_LIMITS.activationValues, `values in one subnet activation; this conv outputs ${h}x${w}x${c}`);
    }
  });
  if (c !== output[2]) throw new ModelSpecError(path, `ends with ${c} channels, the coupling needs ${output[2]}`);
  if (h !== output[0] || w !== output[1])
    throw new ModelSpecError(path, `turns the ${input[0]}x${input[1]} input into ${h}x${w}, the coupling needs ${output[0]}x${output[1]}`);
}

type Module = { kind: 'conv'; weight: TensorRecord; bias?: TensorRecord } | { kind: 'bn'; params: Map<string, TensorRecord> } | { kind: 'relu' };

/** The released subnets have 5 to 7 modules; a huge index in a key would otherwise make a huge list. */
const MAX_SUBNET_MODULES = 64;

/** Reads `<prefix>.<i>.<param>` as a Sequential: missing indices are the ReLUs between. */
function subnetModules(node: CheckpointNode, prefix: string): Module[] {
  const byIndex = new Map<number, Map<string, TensorRecord>>();
  for (const [key, t] of node.tensors) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const m = /^(\d+)\.(\w+)$/.exec(key.slice(prefix.length + 1));
    if (!m) throw new ArchitectureError(`${node.name}.${clipName(key)}: unexpected subnet parameter`);
    const i = Number(m[1]);
    if (i >= MAX_SUBNET_MODULES) {
      const shown = `${node.name}.${clipName(key)}: module index ${clipName(m[1])}`;
      throw new ArchitectureError(`${shown}; GC Lens accepts at most ${MAX_SUBNET_MODULES} modules in a subnet (MAX_SUBNET_MODULES)`);
    }
    if (!byIndex.has(i)) byIndex.set(i, new Map());
    byIndex.get(i)!.set(m[2], t);
  }
  const last = Math.max(...byIndex.keys());
  const modules: Module[] = [];
  for (let i = 0; i <= last; i++) {
    const params = byIndex.get(i);
    if (!params) modules.push({ kind: 'relu' });
    else if (params.has('running_mean')) modules.push({ kind: 'bn', params });
    else if (params.get('weight')?.shape.length === 4) modules.push({ kind: 'conv', weight: params.get('weight')!, bias: params.get('bias') });
    else throw new ArchitectureError(`${node.name}.${prefix}.${i} is neither a convolution nor a BatchNorm`);
  }
  return modules;
}

/**
 * Converts a subnet to conv/relu/affine ops, folding each BatchNorm that follows a conv into it.
 * In the strided subnet the last 3x3 conv has stride 2 (strides are not stored in checkpoints).
 */
export async function subnetFromCheckpoint(
  node: CheckpointNode,
  prefix: string,
  [cin, cout]: [number, number],
  strided: boolean,
  sink: WeightSink,
): Promise<SubnetOpSpec[]> {
  const modules = subnetModules(node, prefix);
  const lastSpatial = strided ? modules.map((m) => m.kind === 'conv' && m.weight.shape[2] > 1).lastIndexOf(true) : -1;
  if (strided && lastSpatial < 0) throw new ArchitectureError(`${node.name}.${prefix} has no 3x3 conv to carry the stride`);
  const ops: SubnetOpSpec[] = [];
  let c = cin;
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i];
    const base = `${node.name}.${prefix}.${i}`;
    if (m.kind === 'relu') {
      ops.push({ op: 'relu' });
      continue;
    }
    if (m.kind === 'bn') {
      const { scale, shift } = await batchNormAffine(m.params, c, base);
      await sink.add(`${base}.scale`, toF32(scale), [c]);
      await sink.add(`${base}.shift`, toF32(shift), [c]);
      ops.push({ op: 'affine', scale: `${base}.scale`, shift: `${base}.shift` });
      continue;
    }
    const [o, inC, kh, kw] = m.weight.shape;
    if (inC !== c) throw new ArchitectureError(`${base}.weight takes ${inC} channels, but ${c} arrive`);
    if (kh !== kw || kh % 2 === 0) throw new ArchitectureError(`${base}.weight: only odd square kernels are supported, got ${kh}x${kw}`);
    const next = modules[i + 1];
    const bn = next?.kind === 'bn' ? await batchNormAffine(next.params, o, `${node.name}.${prefix}.${i + 1}`) : null;
    const { filter, bias } = await foldedConv(m.weight, m.bias, bn);
    await sink.add(`${base}.filter`, filter, [kh, kw, inC, o]);
    if (bias) await sink.add(`${base}.bias`, bias, [o]);
    const stride = i === lastSpatial ? 2 : 1;
    ops.push({ op: 'conv', weight: `${base}.filter`, ...(bias ? { bias: `${base}.bias` } : {}), stride, padding: (kh - 1) / 2 });
    if (bn) i++;
    c = o;
  }
  if (c !== cout) throw new ArchitectureError(`${node.name}.${prefix} outputs ${c} channels, the coupling needs ${cout}`);
  return ops;
}

/** Eval-mode BatchNorm (eps 1e-5) as y = scale · x + shift, in float64. */
async function batchNormAffine(params: Map<string, TensorRecord>, c: number, base: string): Promise<{ scale: Float64Array; shift: Float64Array }> {
  const read = async (key: string) => {
    const t = params.get(key);
    if (t?.shape.length !== 1 || t.shape[0] !== c) throw new ArchitectureError(`${base}.${key} must be a vector of ${c}`);
    return t.readFloat32();
  };
  const [gamma, beta, mean, variance] = await Promise.all(['weight', 'bias', 'running_mean', 'running_var'].map(read));
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + 1e-5);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  return { scale, shift };
}

/** Torch [O, I, kh, kw] → tfjs [kh, kw, I, O], with a following BatchNorm folded in. */
async function foldedConv(
  weight: TensorRecord,
  biasRecord: TensorRecord | undefined,
  bn: { scale: Float64Array; shift: Float64Array } | null,
): Promise<{ filter: Float32Array; bias: Float32Array | null }> {
  const [o, inC, kh, kw] = weight.shape;
  const w = await weight.readFloat32();
  const b = biasRecord ? await biasRecord.readFloat32() : null;
  const filter = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) {
    const s = bn ? bn.scale[oc] : 1;
    for (let ic = 0; ic < inC; ic++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) filter[((y * kw + x) * inC + ic) * o + oc] = w[((oc * inC + ic) * kh + y) * kw + x] * s;
  }
  if (!bn) return { filter, bias: b };
  const bias = new Float32Array(o);
  for (let oc = 0; oc < o; oc++) bias[oc] = (b ? b[oc] : 0) * bn.scale[oc] + bn.shift[oc];
  return { filter, bias };
}

const toF32 = (a: Float64Array) => Float32Array.from(a);

/** A compiled subnet step: a (possibly fused) conv, or a per-channel affine with optional ReLU. */
type Step =
  | { kind: 'conv'; filter: tf.Tensor4D; bias?: tf.Tensor1D; stride: number; pad: number; relu: boolean }
  | { kind: 'affine'; scale: tf.Tensor1D; shift: tf.Tensor1D; relu: boolean }
  | { kind: 'relu' };

/** The residual function inside a coupling: convs (BatchNorm folded in), ReLUs and a leading affine. */
export class Subnet {
  private readonly steps: Step[];

  constructor(ops: SubnetOpSpec[], weights: WeightStore) {
    this.steps = compile(ops, weights);
  }

  /**
   * The subnet of x, or of its first `inputChannels` channels. On WebGPU a leading affine (with its
   * ReLU) runs as one fused dispatch that also takes the channel prefix, so no slice is made.
   */
  apply(x: tf.Tensor, inputChannels?: number): tf.Tensor {
    let h = x;
    let rest = this.steps;
    const first = this.steps[0];
    if (first?.kind === 'affine' && fusedKernelsActive()) {
      const channels = inputChannels ?? x.shape[3]!;
      h = runFused(affinePrefix(x.shape, channels, first.relu), [x, first.scale, first.shift]);
      rest = this.steps.slice(1);
    } else if (inputChannels !== undefined && inputChannels !== x.shape[3]) {
      h = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, inputChannels]);
    }
    for (const step of rest) h = runStep(step, h);
    return h;
  }

  dispose(): void {
    for (const s of this.steps) {
      if (s.kind === 'conv') tf.dispose([s.filter, s.bias ?? []].flat());
      if (s.kind === 'affine') tf.dispose([s.scale, s.shift]);
    }
  }
}

function compile(ops: SubnetOpSpec[], weights: WeightStore): Step[] {
  const steps: Step[] = [];
  for (const op of ops) {
    const last = steps[steps.length - 1];
    if (op.op === 'relu') {
      // Fuse a ReLU into the step before it: one kernel instead of two.
      if (last && last.kind !== 'relu' && !last.relu) last.relu = true;
      else steps.push({ kind: 'relu' });
    } else if (op.op === 'conv') {
      steps.push({
        kind: 'conv',
        filter: weights.tensor4d(op.weight),
        bias: op.bias ? weights.tensor1d(op.bias) : undefined,
        stride: op.stride,
        pad: op.padding,
        relu: false,
      });
    } else {
      steps.push({ kind: 'affine', scale: weights.tensor1d(op.scale), shift: weights.tensor1d(op.shift), relu: false });
    }
  }
  return steps;
}

let fuseConvolutions = true;

/**
 * Runs fn with unfused convolutions. tfjs's fused conv computes the filter gradient eagerly, even
 * when only the input gradient is wanted; the wasm backend has no kernel for it. Unfused convs
 * differentiate lazily, so gradients of the flow w.r.t. its input work on every backend.
 */
export function withUnfusedConvolutions<T>(fn: () => T): T {
  const previous = fuseConvolutions;
  fuseConvolutions = false;
  try {
    return fn();
  } finally {
    fuseConvolutions = previous;
  }
}

function runStep(step: Step, x: tf.Tensor): tf.Tensor {
  if (step.kind === 'relu') return tf.relu(x);
  if (step.kind === 'affine') {
    const y = tf.add(tf.mul(x, step.scale), step.shift);
    return step.relu ? tf.relu(y) : y;
  }
  if (!fuseConvolutions) {
    const conv = tf.conv2d(x as tf.Tensor4D, step.filter, step.stride, step.pad);
    const y = step.bias ? tf.add(conv, step.bias) : conv;
    return step.relu ? tf.relu(y) : y;
  }
  return tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: step.filter,
    strides: step.stride,
    pad: step.pad,
    bias: step.bias,
    activation: step.relu ? 'relu' : 'linear',
  });
}
