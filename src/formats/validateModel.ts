import { type LayerSpec, layerDefinition } from '../flow/layers';
import { type FeatureShape, LayerShapeError, type WeightCheck } from '../flow/layers/definition';
import { arr, field, int, isObject, type Json, type JsonObject, ModelSpecError, num, obj, str, weightName } from './jsonFields';
import { atMost, MODEL_LIMITS } from './modelLimits';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelCardMetric,
  type ModelSpec,
  type Preprocessing,
  type WeightSpec,
  type WeightsManifestGroup,
} from './modelSpec';

export { ModelSpecError };

/** Checks a parsed model.json and every weight it references, and builds the typed spec from what it checked. */
export function validateModelSpec(raw: Json): ModelSpec {
  if (!isObject(raw)) throw new ModelSpecError('(root)', 'must be a JSON object');
  if (raw.format !== MODEL_FORMAT) throw new ModelSpecError('format', `must be "${MODEL_FORMAT}", got ${JSON.stringify(raw.format)}`);
  const formatVersion = int(raw, 'formatVersion', '', 1);
  if (formatVersion > MODEL_FORMAT_VERSION)
    throw new ModelSpecError('formatVersion', `${formatVersion} is newer than this app understands (${MODEL_FORMAT_VERSION})`);
  const id = str(raw, 'id', '');
  const name = str(raw, 'name', '');
  const description = optionalString(raw, 'description', '');
  const inputRaw = obj(raw, 'input', '');
  const input = parseInput(inputRaw);
  const preprocessing = parsePreprocessing(obj(raw, 'preprocessing', ''), input);
  const classes = arr(raw, 'classes', '');
  if (classes.length < 2 || !classes.every((c) => typeof c === 'string')) throw new ModelSpecError('classes', 'must list at least two class names (strings)');
  atMost('classes', classes.length, MODEL_LIMITS.classes, 'classes');

  const weightsManifest = parseManifest(raw);
  const need = weightCheck(new Map(weightsManifest.flatMap((g) => g.weights).map((w) => [w.name, w])));
  const { layers, output } = parseLayers(arr(raw, 'layers', ''), [input.height, input.width, input.channels], need);
  const latentRaw = obj(raw, 'latent', '');
  const latent = { fcDims: int(latentRaw, 'fcDims', 'latent', 1), convDims: int(latentRaw, 'convDims', 'latent', 0) };
  const total = output.reduce((a, b) => a * b, 1);
  if (output.length !== 1 || latent.fcDims + latent.convDims !== total)
    throw new ModelSpecError('latent', `fcDims + convDims = ${latent.fcDims + latent.convDims}, but the layers output shape [${output}]`);
  if (total !== input.height * input.width * input.channels)
    throw new ModelSpecError('layers', `the flow must keep the dimension: input ${input.height * input.width * input.channels}, output ${total}`);
  return {
    format: MODEL_FORMAT,
    formatVersion,
    id,
    name,
    ...(description === undefined ? {} : { description }),
    input,
    preprocessing,
    classes: classes as string[],
    layers,
    latent,
    head: parseHead(obj(raw, 'head', ''), classes.length, latent, need),
    provenance: parseProvenance(obj(raw, 'provenance', '')),
    card: parseCard(obj(raw, 'card', '')),
    weightsManifest,
  };
}

/** Each layer through its registered definition, chaining shapes from the input. */
function parseLayers(raws: Json[], input: FeatureShape, need: WeightCheck): { layers: LayerSpec[]; output: FeatureShape } {
  if (raws.length === 0) throw new ModelSpecError('layers', 'must not be empty');
  atMost('layers', raws.length, MODEL_LIMITS.layers, 'layers in the flow');
  let shape = input;
  const layers = raws.map((raw, i) => {
    const path = `layers[${i}]`;
    if (!isObject(raw)) throw new ModelSpecError(path, 'must be an object');
    const definition = layerDefinition(raw.type);
    if (!definition) throw new ModelSpecError(`${path}.type`, `unknown layer type ${JSON.stringify(raw.type)}`);
    const spec = definition.parse(raw, path);
    try {
      const output = definition.outputShape(spec, shape);
      definition.checkWeights(spec, shape, need, path);
      shape = output;
    } catch (e) {
      if (e instanceof LayerShapeError) throw new ModelSpecError(e.field ? `${path}.${e.field}` : path, e.message);
      throw e;
    }
    return spec;
  });
  return { layers, output: shape };
}

/**
 * Each weight may be named once: layers build their own tensors, so a weight shared by many
 * layers would cost its size again each time, out of proportion to the shards.
 */
function weightCheck(weights: Map<string, WeightSpec>): WeightCheck {
  const usedBy = new Map<string, string>();
  return (path, name, shape, dtype = 'float32') => {
    const w = weights.get(name);
    if (!w) throw new ModelSpecError(path, `names the weight "${name}", which is not in weightsManifest`);
    const first = usedBy.get(name);
    if (first !== undefined) throw new ModelSpecError(path, `names the weight "${name}", which ${first} already uses; each weight may be used once`);
    usedBy.set(name, path);
    if (w.dtype !== dtype) throw new ModelSpecError(path, `weight "${name}" must be ${dtype}, is ${w.dtype}`);
    const ok = w.shape.length === shape.length && shape.every((d, i) => d === null || d === w.shape[i]);
    if (!ok) throw new ModelSpecError(path, `weight "${name}" has shape [${w.shape}], expected [${shape.map((d) => d ?? '?')}]`);
    return w;
  };
}

function parseHead(raw: JsonObject, k: number, { fcDims, convDims }: ModelSpec['latent'], need: WeightCheck): ModelSpec['head'] {
  if (raw.type !== 'gaussian_mixture') throw new ModelSpecError('head.type', `unknown head ${JSON.stringify(raw.type)}`);
  const head = {
    type: 'gaussian_mixture' as const,
    muFc: weightName(raw, 'muFc', 'head'),
    muT: weightName(raw, 'muT', 'head'),
    muM: weightName(raw, 'muM', 'head'),
  };
  need('head.muFc', head.muFc, [k, fcDims]);
  const rank = need('head.muT', head.muT, [k, null]).shape[1];
  need('head.muM', head.muM, [rank, convDims]);
  return head;
}

function parseInput(raw: JsonObject): ModelSpec['input'] {
  const channels = int(raw, 'channels', 'input', 1);
  if (channels !== 1 && channels !== 3) throw new ModelSpecError('input.channels', `must be 1 (gray) or 3 (RGB), got ${channels}`);
  const [height, width] = ['height', 'width'].map((key) => {
    const v = int(raw, key, 'input', 1);
    atMost(`input.${key}`, v, MODEL_LIMITS.inputSide, 'pixels per side of the model input');
    return v;
  });
  return { channels, height, width };
}

function parsePreprocessing(p: JsonObject, { channels, height, width }: ModelSpec['input']): Preprocessing {
  const path = 'preprocessing';
  const resizeShorter = field(p, 'resizeShorter', path);
  if (resizeShorter !== null && (typeof resizeShorter !== 'number' || !Number.isInteger(resizeShorter) || resizeShorter < 1))
    throw new ModelSpecError(`${path}.resizeShorter`, 'must be null or a positive integer');
  if (resizeShorter !== null) {
    const side = Math.max(height, width);
    // Smaller than the input, the center crop would reach outside the resized image.
    if (resizeShorter < side) throw new ModelSpecError(`${path}.resizeShorter`, `is ${resizeShorter}, smaller than the input's ${side} pixels`);
    atMost(`${path}.resizeShorter`, resizeShorter, MODEL_LIMITS.resizeFactor * side, `${MODEL_LIMITS.resizeFactor}× the input's larger side`);
  }
  const centerCrop = field(p, 'centerCrop', path);
  if (typeof centerCrop !== 'boolean') throw new ModelSpecError(`${path}.centerCrop`, 'must be a boolean');
  const [mean, std] = ['mean', 'std'].map((key) => {
    const v = arr(p, key, path);
    if (v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new ModelSpecError(`${path}.${key}`, `must hold ${channels} finite numbers`);
    return v as number[];
  });
  const tiny = std.find((s) => !(s >= MODEL_LIMITS.minStd));
  if (tiny !== undefined)
    throw new ModelSpecError(`${path}.std`, `holds ${tiny}; GC Lens accepts at least ${MODEL_LIMITS.minStd} (normalized pixels must stay finite)`);
  const far = mean.find((m) => Math.abs(m) > MODEL_LIMITS.maxAbsMean);
  if (far !== undefined)
    throw new ModelSpecError(`${path}.mean`, `holds ${far}; GC Lens accepts at most ${MODEL_LIMITS.maxAbsMean} in size (normalized pixels must stay finite)`);
  return { resizeShorter, centerCrop, mean, std };
}

function parseManifest(raw: JsonObject): WeightsManifestGroup[] {
  const names = new Set<string>();
  return arr(raw, 'weightsManifest', '').map((g, gi) => {
    const path = `weightsManifest[${gi}]`;
    if (!isObject(g)) throw new ModelSpecError(path, 'must be an object');
    const paths = arr(g, 'paths', path);
    if (!paths.every((p): p is string => typeof p === 'string' && /^[\w.-]{1,128}$/.test(p)))
      throw new ModelSpecError(`${path}.paths`, 'must be plain file names (at most 128 characters) in the model folder');
    const weights = arr(g, 'weights', path).map((w, wi) => {
      const spec = parseWeightSpec(w, `${path}.weights[${wi}]`);
      if (names.has(spec.name)) throw new ModelSpecError(`${path}.weights[${wi}]`, `duplicate weight name "${spec.name}"`);
      names.add(spec.name);
      return spec;
    });
    return { paths, weights };
  });
}

function parseWeightSpec(w: Json, path: string): WeightSpec {
  if (!isObject(w)) throw new ModelSpecError(path, 'must be an object');
  const name = str(w, 'name', path);
  const shape = arr(w, 'shape', path);
  if (!shape.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0))
    throw new ModelSpecError(`${path}.shape`, 'must be non-negative integers');
  if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new ModelSpecError(`${path}.dtype`, `must be float32 or int32, got ${JSON.stringify(w.dtype)}`);
  const q = w.quantization;
  if (q === undefined) return { name, shape, dtype: w.dtype };
  if (!(isObject(q) && q.dtype === 'float16' && w.dtype === 'float32'))
    throw new ModelSpecError(`${path}.quantization`, 'only float16 storage of float32 weights is supported');
  return { name, shape, dtype: w.dtype, quantization: { dtype: 'float16', original_dtype: 'float32' } };
}

function parseProvenance(p: JsonObject): ModelSpec['provenance'] {
  const path = 'provenance';
  const notes = p.notes === undefined ? undefined : arr(p, 'notes', path);
  if (notes && !notes.every((n) => typeof n === 'string')) throw new ModelSpecError(`${path}.notes`, 'must be strings');
  return {
    source: str(p, 'source', path),
    converter: str(p, 'converter', path),
    ...optionalFields(p, path, ['sha256', 'convertedAt']),
    ...(notes ? { notes: notes as string[] } : {}),
  };
}

function parseCard(card: JsonObject): ModelSpec['card'] {
  const metrics = (key: string) => arr(card, key, 'card').map((m, i) => parseMetric(m, `card.${key}[${i}]`));
  return { ...card, reported: metrics('reported'), measured: metrics('measured') };
}

function parseMetric(m: Json, path: string): ModelCardMetric {
  if (!isObject(m)) throw new ModelSpecError(path, 'must be an object');
  return { name: str(m, 'name', path), value: num(m, 'value', path), source: str(m, 'source', path), ...optionalFields(m, path, ['unit', 'definition']) };
}

function optionalString(o: JsonObject, key: string, path: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, path);
}

function optionalFields<K extends string>(o: JsonObject, path: string, keys: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const v = optionalString(o, key, path);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
