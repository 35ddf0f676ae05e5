import { LAYER_DEFINITIONS, type LayerSpec } from '../flow/layers';
import {
  type ArchitectureConstants,
  type CheckpointContext,
  type CheckpointMapping,
  type CheckpointNode,
  type FeatureShape,
  type LayerDefinition,
  LayerShapeError,
} from '../flow/layers/definition';
import { numpyLegacyPermutation } from '../util/mt19937';
import { ArchitectureError } from './architectureError';
import { CheckpointError } from './checkpointError';
import { clipName, describeValue, listSome } from './describeValue';
import { MAX_CHANNELS, MAX_CLASSES, MAX_KERNEL, MAX_LATENT_DIMS, MAX_MODULE_INDEX } from './limits';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelSpec } from './modelSpec';
import { isTensorRecord as isTensor, type PyValue, type TensorRecord } from './torchCheckpoint';
import type { WeightSink } from './weightSink';

export { type ArchitectureConstants, ArchitectureError };

export const CONVERTER_VERSION = 'gc-lens-convert 1';

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

/**
 * Maps the authors' checkpoint ({inn: state dict, mu, mu_t, mu_m, ...}) onto our layers, writing
 * each weight to the sink as soon as it is made. Works for any configuration of their
 * architecture: node types, widths and strides are read from the keys and shapes.
 */
export async function convertCheckpoint(root: PyValue, sink: WeightSink, options: ConvertOptions): Promise<Omit<ModelSpec, 'weightsManifest'>> {
  if (!(root instanceof Map)) throw new ArchitectureError('the checkpoint holds no dictionary, so it is not a generative classifier checkpoint');
  const inn = root.get('inn');
  if (!(inn instanceof Map)) {
    const keys = [...root.keys()].slice(0, 8).map((k) => (typeof k === 'string' ? k : describeValue(k)));
    throw new ArchitectureError(`the checkpoint has no 'inn' state dict (top-level keys: ${listSome(keys, root.size)})`);
  }
  const saved = readSavedConfig(root.get('gclens'));
  const constants = { ...RELEASED_CONSTANTS, ...saved.constants, ...options.constants };

  const mu = requireTensor(root, 'mu', 3);
  const muT = requireTensor(root, 'mu_t', 2);
  const muM = requireTensor(root, 'mu_m', 2);
  const [, classes, fcDims] = mu.shape;
  const rank = muT.shape[1];
  const convDims = muM.shape[1];
  // Shapes alone can declare a billion classes with no data (zero-element tensors): bound them before allocating.
  tooLarge(classes, MAX_CLASSES, `'mu' [${mu.shape}] declares ${classes} classes`, 'MAX_CLASSES');
  tooLarge(fcDims + convDims, MAX_LATENT_DIMS, `the class means declare ${fcDims} + ${convDims} latent dimensions`, 'MAX_LATENT_DIMS');
  tooLarge(rank, MAX_CHANNELS, `'mu_t' [${muT.shape}] declares rank ${rank}`, 'MAX_CHANNELS');
  if (muT.shape[0] !== classes || muM.shape[0] !== rank)
    throw new ArchitectureError(`class means disagree: mu [${mu.shape}], mu_t [${muT.shape}], mu_m [${muM.shape}]`);

  const nodes = groupNodes(inn);
  const channels0 = inputChannels(nodes[0]);
  const side = Math.sqrt((fcDims + convDims) / channels0);
  if (!Number.isInteger(side)) throw new ArchitectureError(`${fcDims + convDims} latent dimensions do not make a square ${channels0}-channel image`);
  const input = saved.input ?? { channels: channels0, height: side, width: side };

  const layers: LayerSpec[] = [];
  let shape: FeatureShape = [input.height, input.width, input.channels];
  for (const [i, node] of nodes.entries()) {
    if (shape.length === 1) throw new ArchitectureError(`${node.name} follows the DCT pooling; nothing but the latent split may follow it`);
    const layer = await convertNode(node, shape, { constants, sink });
    layers.push(layer.spec);
    shape = layer.output;
    options.onNode?.(i + 1, nodes.length, node.name);
  }
  if (shape.length !== 1) throw new ArchitectureError('the network has no DCT pooling node, which every model of this family ends with');

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

function tooLarge(value: number, limit: number, what: string, name: string): void {
  if (value > limit) throw new CheckpointError('too-large', `${what}; GC Lens accepts at most ${limit} (${name})`);
}

/** Every inn tensor's dimensions are channel counts, or kernel sizes (the last two of a 4-D weight). */
function checkDimensions(key: string, shape: number[]): void {
  shape.forEach((d, i) => {
    const kernel = shape.length === 4 && i >= 2;
    const [limit, name] = kernel ? [MAX_KERNEL, 'MAX_KERNEL'] : [MAX_CHANNELS, 'MAX_CHANNELS'];
    tooLarge(d, limit, `'inn' tensor ${clipName(key)} has shape [${shape}]`, `${name}, for ${kernel ? 'kernel sizes' : 'channel counts'}`);
  });
}

function requireTensor(root: Map<PyValue, PyValue>, key: string, rank: number): TensorRecord {
  const t = root.get(key);
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

/** Groups `module_list.N.<path>` keys by N, skipping the cached activations `tmp_var_*`. */
function groupNodes(inn: Map<PyValue, PyValue>): CheckpointNode[] {
  const byIndex = new Map<number, Map<string, TensorRecord>>();
  for (const [key, value] of inn) {
    if (typeof key !== 'string') throw new ArchitectureError(`the 'inn' state dict has a non-string key ${describeValue(key)}`);
    if (key.startsWith('tmp_var_')) continue;
    const m = /^module_list\.(\d+)\.(.+)$/.exec(key);
    if (!m) throw new ArchitectureError(`unexpected state-dict key '${clipName(key)}': expected module_list.N.<parameter>`);
    if (!isTensor(value)) throw new ArchitectureError(`state-dict entry '${clipName(key)}' is not a tensor`);
    // Compared as text first: a 400-digit index is no safe integer.
    const index = m[1].length > 6 ? Infinity : Number(m[1]);
    if (index > MAX_MODULE_INDEX) {
      const digits = m[1].length > 20 ? `${m[1].slice(0, 20)}… (${m[1].length} digits)` : m[1];
      tooLarge(index, MAX_MODULE_INDEX, `'inn' key ${clipName(key)} has module index ${digits}`, 'MAX_MODULE_INDEX');
    }
    checkDimensions(key, value.shape);
    if (!byIndex.has(index)) byIndex.set(index, new Map());
    byIndex.get(index)!.set(m[2], value);
  }
  if (byIndex.size === 0) throw new ArchitectureError(`the 'inn' state dict has no module_list parameters`);
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, tensors]) => ({ name: `module_list.${index}`, tensors }));
}

/** The one registered layer type whose checkpoint mapping recognizes the node. */
function definitionFor(node: CheckpointNode): LayerDefinition<LayerSpec> & { checkpoint: CheckpointMapping<LayerSpec> } {
  const matching = LAYER_DEFINITIONS.filter((d) => d.checkpoint?.matches(node));
  const [only] = matching;
  if (matching.length === 1 && only.checkpoint) return { ...only, checkpoint: only.checkpoint };
  const listed = listSome(node.tensors.keys(), node.tensors.size, 6);
  if (matching.length > 1) throw new ArchitectureError(`${node.name} matches several layer types (${matching.map((d) => d.type).join(', ')})`);
  throw new ArchitectureError(`${node.name} is no layer of this family (keys: ${listed})`);
}

function inputChannels(node: CheckpointNode): number {
  const definition = definitionFor(node);
  if (!definition.checkpoint.inputChannels) throw new ArchitectureError(`${node.name}: the network cannot start with a ${definition.type}`);
  return definition.checkpoint.inputChannels(node);
}

async function convertNode(node: CheckpointNode, input: FeatureShape, context: CheckpointContext): Promise<{ spec: LayerSpec; output: FeatureShape }> {
  const definition = definitionFor(node);
  const spec = await definition.checkpoint.convert(node, input, context);
  try {
    return { spec, output: definition.outputShape(spec, input) };
  } catch (e) {
    if (e instanceof LayerShapeError) throw new ArchitectureError(`${node.name}: ${e.field ? `${e.field} ` : ''}${e.message}`);
    throw e;
  }
}

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
  if (Array.isArray(mean) && Array.isArray(std)) out.preprocessing = { resizeShorter: null, centerCrop: false, mean: mean.map(Number), std: std.map(Number) };
  return out;
}
