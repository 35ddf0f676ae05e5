import { numpyLegacyPermutation } from '../flow/mt19937';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ActNormSpec, type LayerSpec, type ModelSpec, type SubnetOpSpec } from './modelSpec';
import { isTensorRecord as isTensor, type PyValue, type TensorRecord } from './torchCheckpoint';
import type { WeightSink } from './weightSink';

export const CONVERTER_VERSION = 'gc-lens-convert 1';

/** The checkpoint is readable but is not (or not entirely) the authors' architecture. */
export class ArchitectureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureError';
  }
}

/** Facts not stored in a checkpoint, with the released model's values as defaults. */
export interface ArchitectureConstants {
  clamp: number;
  haarRebalance: number;
  dctRebalance: number;
  /** Seed of the PermuteRandom on z_fc. */
  latentPermutationSeed: number;
}

export const RELEASED_CONSTANTS: ArchitectureConstants = { clamp: 0.7, haarRebalance: 0.5, dctRebalance: 0.5, latentPermutationSeed: 0 };

export interface ConvertOptions {
  id: string;
  name: string;
  description?: string;
  classes?: string[];
  /** Names to use when neither `classes` nor the checkpoint names the classes and the count matches. */
  fallbackClasses?: string[];
  /** The model card, when the caller knows more than the checkpoint (training metrics, released values). */
  card?: ModelSpec['card'];
  convertedAt?: string;
  constants?: Partial<ArchitectureConstants>;
  preprocessing?: ModelSpec['preprocessing'];
  source: { name: string; sha256?: string };
  /** Called after each node with the number of nodes done and the total. */
  onNode?: (done: number, total: number, name: string) => void;
}

type Tensors = Map<string, TensorRecord>;


function entry(root: Map<PyValue, PyValue>, key: string): PyValue | undefined {
  return root.get(key);
}

/**
 * Maps the authors' checkpoint ({inn: state dict, mu, mu_t, mu_m, ...}) onto our layers, writing
 * each weight to the sink as soon as it is made. Works for any configuration of their
 * architecture: node types, widths and strides are read from the keys and shapes.
 */
export async function convertCheckpoint(root: PyValue, sink: WeightSink, options: ConvertOptions): Promise<Omit<ModelSpec, 'weightsManifest'>> {
  if (!(root instanceof Map)) throw new ArchitectureError('the checkpoint holds no dictionary, so it is not a generative classifier checkpoint');
  const inn = entry(root, 'inn');
  if (!(inn instanceof Map)) throw new ArchitectureError(`the checkpoint has no 'inn' state dict (top-level keys: ${[...root.keys()].join(', ')})`);
  const saved = readSavedConfig(entry(root, 'gclens'));
  const constants = { ...RELEASED_CONSTANTS, ...saved.constants, ...options.constants };

  const mu = requireTensor(root, 'mu', 3);
  const muT = requireTensor(root, 'mu_t', 2);
  const muM = requireTensor(root, 'mu_m', 2);
  const [, classes, fcDims] = mu.shape;
  const rank = muT.shape[1];
  const convDims = muM.shape[1];
  if (muT.shape[0] !== classes || muM.shape[0] !== rank)
    throw new ArchitectureError(`class means disagree: mu [${mu.shape}], mu_t [${muT.shape}], mu_m [${muM.shape}]`);

  const nodes = groupNodes(inn);
  const channels0 = inputChannels(nodes[0]);
  const side = Math.sqrt((fcDims + convDims) / channels0);
  if (!Number.isInteger(side))
    throw new ArchitectureError(`${fcDims + convDims} latent dimensions do not make a square ${channels0}-channel image`);
  const input = saved.input ?? { channels: channels0, height: side, width: side };

  const layers: LayerSpec[] = [];
  let shape: [number, number, number] = [input.height, input.width, input.channels];
  let flat = false;
  for (const [i, node] of nodes.entries()) {
    if (flat) throw new ArchitectureError(`${node.name} follows the DCT pooling; nothing but the latent split may follow it`);
    const layer = await convertNode(node, shape, constants, sink);
    layers.push(layer.spec);
    if (layer.spec.type === 'dct_pool') flat = true;
    else shape = layer.outShape;
    options.onNode?.(i + 1, nodes.length, node.name);
  }
  if (!flat) throw new ArchitectureError('the network has no DCT pooling node, which every model of this family ends with');

  const perm = numpyLegacyPermutation(constants.latentPermutationSeed, fcDims);
  await sink.add('latent.permutation', perm, [fcDims]);
  layers.push({ type: 'permute_prefix', name: 'latent permutation (PermuteRandom)', indices: 'latent.permutation' });

  await sink.add('head.mu_fc', await mu.readFloat32(), [classes, fcDims]);
  await sink.add('head.mu_t', await muT.readFloat32(), [classes, rank]);
  await sink.add('head.mu_m', await muM.readFloat32(), [rank, convDims]);

  const fallback = options.fallbackClasses?.length === classes ? options.fallbackClasses : undefined;
  const classNames = options.classes ?? saved.classes ?? fallback ?? Array.from({ length: classes }, (_, k) => `class ${k}`);
  if (classNames.length !== classes) throw new ArchitectureError(`${classNames.length} class names given for ${classes} classes`);
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    id: options.id,
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    input,
    preprocessing: options.preprocessing ?? saved.preprocessing ?? defaultPreprocessing(input),
    classes: classNames,
    layers,
    latent: { fcDims, convDims },
    head: { type: 'gaussian_mixture', muFc: 'head.mu_fc', muT: 'head.mu_t', muM: 'head.mu_m' },
    provenance: {
      source: options.source.name,
      sha256: options.source.sha256,
      converter: CONVERTER_VERSION,
      ...(options.convertedAt ? { convertedAt: options.convertedAt } : {}),
      notes: [`architecture constants: ${JSON.stringify(constants)}`],
    },
    card: options.card ?? { reported: [], measured: [] },
  };
}

function requireTensor(root: Map<PyValue, PyValue>, key: string, rank: number): TensorRecord {
  const t = entry(root, key);
  if (!isTensor(t)) throw new ArchitectureError(`the checkpoint has no tensor '${key}' (the class means)`);
  if (t.shape.length !== rank) throw new ArchitectureError(`'${key}' has shape [${t.shape}], expected ${rank} dimensions`);
  return t;
}

/** The released models' ImageNet recipe (resize 256, crop 224), scaled to the input size. */
function defaultPreprocessing({ channels, height }: ModelSpec['input']): ModelSpec['preprocessing'] {
  return channels === 3
    ? { resizeShorter: Math.round((height * 256) / 224), centerCrop: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
    : { resizeShorter: null, centerCrop: false, mean: Array(channels).fill(0.5), std: Array(channels).fill(0.5) };
}

interface Node {
  index: number;
  name: string;
  tensors: Tensors;
}

/** Groups `module_list.N.<path>` keys by N, skipping the cached activations `tmp_var_*`. */
function groupNodes(inn: Map<PyValue, PyValue>): Node[] {
  const byIndex = new Map<number, Tensors>();
  for (const [key, value] of inn) {
    if (typeof key !== 'string') throw new ArchitectureError(`the 'inn' state dict has a non-string key`);
    if (key.startsWith('tmp_var_')) continue;
    const m = /^module_list\.(\d+)\.(.+)$/.exec(key);
    if (!m) throw new ArchitectureError(`unexpected state-dict key '${key}': expected module_list.N.<parameter>`);
    if (!isTensor(value)) throw new ArchitectureError(`state-dict entry '${key}' is not a tensor`);
    const index = Number(m[1]);
    if (!byIndex.has(index)) byIndex.set(index, new Map());
    byIndex.get(index)!.set(m[2], value);
  }
  if (byIndex.size === 0) throw new ArchitectureError(`the 'inn' state dict has no module_list parameters`);
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, tensors]) => ({ index, name: `module_list.${index}`, tensors }));
}

type NodeKind = 'downsample_coupling' | 'coupling' | 'haar' | 'dct_pool';

function nodeKind(node: Node): NodeKind {
  const keys = [...node.tensors.keys()];
  const has = (prefix: string) => keys.some((k) => k.startsWith(prefix));
  if (has('s_hi.') && has('s_lo.') && node.tensors.has('w')) return 'downsample_coupling';
  if (has('s.') && node.tensors.has('w')) return 'coupling';
  if (node.tensors.has('haar_weights')) return 'haar';
  if (node.tensors.has('weight') && node.tensors.has('inv_weight')) return 'dct_pool';
  throw new ArchitectureError(`${node.name} is no layer of this family (keys: ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''})`);
}

function inputChannels(node: Node): number {
  const kind = nodeKind(node);
  const dim = (key: string, axis: number) => node.tensors.get(key)?.shape[axis] ?? NaN;
  if (kind === 'downsample_coupling') return dim('act_norm', 1) / 4;
  if (kind === 'coupling') return dim('act_norm', 1);
  if (kind === 'haar') return dim('haar_weights', 0) / 4;
  throw new ArchitectureError(`${node.name}: the network cannot start with a DCT pooling`);
}

async function convertNode(
  node: Node,
  [h, w, c]: [number, number, number],
  constants: ArchitectureConstants,
  sink: WeightSink,
): Promise<{ spec: LayerSpec; outShape: [number, number, number] }> {
  const kind = nodeKind(node);
  const name = node.name;
  switch (kind) {
    case 'haar': {
      expectShape(node, 'haar_weights', [4 * c, 1, 2, 2]);
      return { spec: { type: 'haar', name, channels: c, rebalance: constants.haarRebalance }, outShape: [h / 2, w / 2, 4 * c] };
    }
    case 'dct_pool': {
      const n = node.tensors.get('weight')!.shape[0];
      if (n !== h || n !== w) throw new ArchitectureError(`${name}: DCT of size ${n} on a ${h}x${w} map`);
      await checkDctWeight(node, n);
      return { spec: { type: 'dct_pool', name, channels: c, size: n, rebalance: constants.dctRebalance }, outShape: [h, w, c] };
    }
    case 'coupling': {
      const len2 = Math.floor(c / 2);
      const subnet = await convertSubnet(node, 's', c - len2, 2 * len2, false, sink);
      const actNorm = await convertActNorm(node, c, sink);
      return { spec: { type: 'coupling', name, channels: c, clamp: constants.clamp, subnet, actNorm }, outShape: [h, w, c] };
    }
    case 'downsample_coupling': {
      if (h % 2 || w % 2) throw new ArchitectureError(`${name}: cannot halve a ${h}x${w} map`);
      const len2 = Math.floor(c / 2);
      const len1 = c - len2;
      const subnetStrided = await convertSubnet(node, 's_hi', len1, 8 * len2, true, sink);
      const subnetLowRes = await convertSubnet(node, 's_lo', 4 * len2, 8 * len1, false, sink);
      const actNorm = await convertActNorm(node, 4 * c, sink);
      return {
        spec: { type: 'downsample_coupling', name, channels: c, clamp: constants.clamp, subnetStrided, subnetLowRes, actNorm },
        outShape: [h / 2, w / 2, 4 * c],
      };
    }
  }
}

function expectShape(node: Node, key: string, shape: number[]): TensorRecord {
  const t = node.tensors.get(key);
  if (!t) throw new ArchitectureError(`${node.name}.${key} is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new ArchitectureError(`${node.name}.${key} has shape [${t.shape}], expected [${shape}]`);
  return t;
}

/** The stored DCT matrix must be the unnormalised DCT-II the runtime computes. */
async function checkDctWeight(node: Node, n: number): Promise<void> {
  const stored = await expectShape(node, 'weight', [n, n]).readFloat32();
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) {
      // weight[k][i] = 2 cos(π k (2i+1) / 2N), applied as out[k] = Σ_i weight[k][i] x[i].
      const expected = 2 * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
      if (Math.abs(stored[k * n + i] - expected) > 1e-4)
        throw new ArchitectureError(`${node.name}.weight is not the DCT-II matrix this runtime implements`);
    }
}

/** Softplus with β = 0.5 and PyTorch's threshold 20, times 0.1: the act-norm scale. */
function actNormScale(p: number): number {
  return 0.1 * (0.5 * p > 20 ? p : 2 * Math.log1p(Math.exp(0.5 * p)));
}

async function convertActNorm(node: Node, c: number, sink: WeightSink): Promise<ActNormSpec> {
  const raw = await expectShape(node, 'act_norm', [1, c, 1, 1]).readFloat32();
  const offset = await expectShape(node, 'act_offset', [1, c, 1, 1]).readFloat32();
  const w = await expectShape(node, 'w', [c, c, 1, 1]).readFloat32();
  const spec = { scale: `${node.name}.actnorm.scale`, offset: `${node.name}.actnorm.offset`, permutation: `${node.name}.permutation` };
  await sink.add(spec.scale, Float32Array.from(raw, actNormScale), [c]);
  await sink.add(spec.offset, offset, [c]);
  await sink.add(spec.permutation, permutationIndices(w, c, `${node.name}.w`), [c]);
  return spec;
}

/** Row i of a permutation matrix has its one 1 at column perm[i]; anything else is refused. */
export function permutationIndices(w: Float32Array, c: number, what: string): Int32Array {
  const perm = new Int32Array(c).fill(-1);
  const used = new Uint8Array(c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      const v = w[i * c + j];
      if (v === 0) continue;
      if (v !== 1 || perm[i] >= 0 || used[j])
        throw new ArchitectureError(`${what} is not a permutation matrix (row ${i}, column ${j} holds ${v}); soft permutations are not supported`);
      perm[i] = j;
      used[j] = 1;
    }
    if (perm[i] < 0) throw new ArchitectureError(`${what} is not a permutation matrix (row ${i} is all zeros)`);
  }
  return perm;
}

type Module = { kind: 'conv'; weight: TensorRecord; bias?: TensorRecord } | { kind: 'bn'; params: Tensors } | { kind: 'relu' };

/** Reads `<prefix>.<i>.<param>` as a Sequential: missing indices are the ReLUs between. */
function subnetModules(node: Node, prefix: string): Module[] {
  const byIndex = new Map<number, Tensors>();
  for (const [key, t] of node.tensors) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const m = /^(\d+)\.(\w+)$/.exec(key.slice(prefix.length + 1));
    if (!m) throw new ArchitectureError(`${node.name}.${key}: unexpected subnet parameter`);
    const i = Number(m[1]);
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
async function convertSubnet(node: Node, prefix: string, cin: number, cout: number, strided: boolean, sink: WeightSink): Promise<SubnetOpSpec[]> {
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
    ops.push({ op: 'conv', weight: `${base}.filter`, ...(bias ? { bias: `${base}.bias` } : {}), stride: i === lastSpatial ? 2 : 1, padding: (kh - 1) / 2 });
    if (bn) i++;
    c = o;
  }
  if (c !== cout) throw new ArchitectureError(`${node.name}.${prefix} outputs ${c} channels, the coupling needs ${cout}`);
  return ops;
}

/** Eval-mode BatchNorm (eps 1e-5) as y = scale · x + shift, in float64. */
async function batchNormAffine(params: Tensors, c: number, base: string): Promise<{ scale: Float64Array; shift: Float64Array }> {
  const read = async (key: string) => {
    const t = params.get(key);
    if (!t || t.shape.length !== 1 || t.shape[0] !== c) throw new ArchitectureError(`${base}.${key} must be a vector of ${c}`);
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
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) filter[((y * kw + x) * inC + ic) * o + oc] = w[((oc * inC + ic) * kh + y) * kw + x] * s;
  }
  if (!bn) return { filter, bias: b };
  const bias = new Float32Array(o);
  for (let oc = 0; oc < o; oc++) bias[oc] = (b ? b[oc] : 0) * bn.scale[oc] + bn.shift[oc];
  return { filter, bias };
}

const toF32 = (a: Float64Array) => Float32Array.from(a);

interface SavedConfig {
  constants?: Partial<ArchitectureConstants>;
  input?: ModelSpec['input'];
  classes?: string[];
  preprocessing?: ModelSpec['preprocessing'];
}

/** Our own training code stores its configuration under 'gclens'; the authors' files have none. */
function readSavedConfig(raw: PyValue | undefined): SavedConfig {
  if (!(raw instanceof Map)) return {};
  const get = (k: string) => raw.get(k);
  const num = (k: string) => (typeof get(k) === 'number' ? (get(k) as number) : undefined);
  const out: SavedConfig = { constants: {} };
  const pick = (k: keyof ArchitectureConstants, from: string) => {
    const v = num(from);
    if (v !== undefined) out.constants![k] = v;
  };
  pick('clamp', 'clamp');
  pick('haarRebalance', 'haar_rebalance');
  pick('dctRebalance', 'dct_rebalance');
  const shape = get('input_shape');
  if (Array.isArray(shape) && shape.length === 3) {
    const [channels, height, width] = shape.map(Number);
    out.input = { channels, height, width };
  }
  const names = get('class_names');
  if (Array.isArray(names) && names.every((n) => typeof n === 'string')) out.classes = names as string[];
  const mean = get('mean');
  const std = get('std');
  if (Array.isArray(mean) && Array.isArray(std))
    out.preprocessing = { resizeShorter: null, centerCrop: false, mean: mean.map(Number), std: std.map(Number) };
  return out;
}
