import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ActNormSpec,
  type LayerSpec,
  type ModelSpec,
  type SubnetOpSpec,
  type WeightSpec,
} from './modelSpec';

export class ModelSpecError extends Error {
  constructor(readonly path: string, message: string) {
    super(`model.json ${path}: ${message}`);
    this.name = 'ModelSpecError';
  }
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(obj: Record<string, Json>, key: string, path: string): Json {
  if (!(key in obj)) throw new ModelSpecError(`${path}.${key}`, 'is missing');
  return obj[key];
}
function str(obj: Record<string, Json>, key: string, path: string): string {
  const v = field(obj, key, path);
  if (typeof v !== 'string' || v.length === 0) throw new ModelSpecError(`${path}.${key}`, 'must be a non-empty string');
  return v;
}
function num(obj: Record<string, Json>, key: string, path: string, min = -Infinity): number {
  const v = field(obj, key, path);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new ModelSpecError(`${path}.${key}`, `must be a finite number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}
function int(obj: Record<string, Json>, key: string, path: string, min = 0): number {
  const v = num(obj, key, path, min);
  if (!Number.isInteger(v)) throw new ModelSpecError(`${path}.${key}`, `must be an integer, got ${v}`);
  return v;
}
function arr(obj: Record<string, Json>, key: string, path: string): Json[] {
  const v = field(obj, key, path);
  if (!Array.isArray(v)) throw new ModelSpecError(`${path}.${key}`, 'must be an array');
  return v;
}
function obj(parent: Record<string, Json>, key: string, path: string): Record<string, Json> {
  const v = field(parent, key, path);
  if (!isObject(v)) throw new ModelSpecError(`${path}.${key}`, 'must be an object');
  return v;
}

/** Checks a parsed model.json and every weight it references; returns it typed. */
export function validateModelSpec(raw: Json): ModelSpec {
  if (!isObject(raw)) throw new ModelSpecError('(root)', 'must be a JSON object');
  if (raw.format !== MODEL_FORMAT) throw new ModelSpecError('format', `must be "${MODEL_FORMAT}", got ${JSON.stringify(raw.format)}`);
  const version = int(raw, 'formatVersion', '', 1);
  if (version > MODEL_FORMAT_VERSION)
    throw new ModelSpecError('formatVersion', `${version} is newer than this app understands (${MODEL_FORMAT_VERSION})`);
  str(raw, 'id', '');
  str(raw, 'name', '');
  const input = obj(raw, 'input', '');
  const channels = int(input, 'channels', 'input', 1);
  const height = int(input, 'height', 'input', 1);
  const width = int(input, 'width', 'input', 1);
  validatePreprocessing(obj(raw, 'preprocessing', ''), channels);
  const classes = arr(raw, 'classes', '');
  if (classes.length < 2 || !classes.every((c) => typeof c === 'string'))
    throw new ModelSpecError('classes', 'must list at least two class names (strings)');

  const weights = manifestWeights(raw);
  const need: Need = (path, name, shape, dtype = 'float32') => {
    if (typeof name !== 'string') throw new ModelSpecError(path, 'must name a weight');
    const w = weights.get(name);
    if (!w) throw new ModelSpecError(path, `names the weight "${name}", which is not in weightsManifest`);
    if (w.dtype !== dtype) throw new ModelSpecError(path, `weight "${name}" must be ${dtype}, is ${w.dtype}`);
    const ok = w.shape.length === shape.length && shape.every((d, i) => d === null || d === w.shape[i]);
    if (!ok)
      throw new ModelSpecError(path, `weight "${name}" has shape [${w.shape}], expected [${shape.map((d) => d ?? '?')}]`);
    return w;
  };

  const layers = arr(raw, 'layers', '');
  if (layers.length === 0) throw new ModelSpecError('layers', 'must not be empty');
  let shape = [height, width, channels];
  layers.forEach((layer, i) => {
    shape = validateLayer(layer, `layers[${i}]`, shape, need);
  });
  const latent = obj(raw, 'latent', '');
  const fc = int(latent, 'fcDims', 'latent', 1);
  const conv = int(latent, 'convDims', 'latent', 0);
  const total = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== 1 || fc + conv !== total)
    throw new ModelSpecError('latent', `fcDims + convDims = ${fc + conv}, but the layers output shape [${shape}]`);
  if (total !== height * width * channels)
    throw new ModelSpecError('layers', `the flow must keep the dimension: input ${height * width * channels}, output ${total}`);
  const head = obj(raw, 'head', '');
  if (head.type !== 'gaussian_mixture') throw new ModelSpecError('head.type', `unknown head ${JSON.stringify(head.type)}`);
  const k = classes.length;
  need('head.muFc', head.muFc, [k, fc]);
  const muT = weights.get(String(head.muT));
  need('head.muT', head.muT, [k, muT?.shape[1] ?? null]);
  need('head.muM', head.muM, [muT?.shape[1] ?? null, conv]);
  const provenance = obj(raw, 'provenance', '');
  str(provenance, 'source', 'provenance');
  str(provenance, 'converter', 'provenance');
  const card = obj(raw, 'card', '');
  arr(card, 'reported', 'card');
  arr(card, 'measured', 'card');
  return raw as unknown as ModelSpec;
}

function validatePreprocessing(p: Record<string, Json>, channels: number): void {
  const path = 'preprocessing';
  const resize = field(p, 'resizeShorter', path);
  if (resize !== null && (typeof resize !== 'number' || !Number.isInteger(resize) || resize < 1))
    throw new ModelSpecError(`${path}.resizeShorter`, 'must be null or a positive integer');
  if (typeof field(p, 'centerCrop', path) !== 'boolean') throw new ModelSpecError(`${path}.centerCrop`, 'must be a boolean');
  for (const key of ['mean', 'std']) {
    const v = arr(p, key, path);
    if (v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new ModelSpecError(`${path}.${key}`, `must hold ${channels} finite numbers`);
  }
  if ((p.std as number[]).some((s) => s <= 0)) throw new ModelSpecError(`${path}.std`, 'must be positive');
}

function manifestWeights(raw: Record<string, Json>): Map<string, WeightSpec> {
  const groups = arr(raw, 'weightsManifest', '');
  const out = new Map<string, WeightSpec>();
  groups.forEach((g, gi) => {
    const path = `weightsManifest[${gi}]`;
    if (!isObject(g)) throw new ModelSpecError(path, 'must be an object');
    const paths = arr(g, 'paths', path);
    if (!paths.every((p) => typeof p === 'string' && /^[\w.-]+$/.test(p)))
      throw new ModelSpecError(`${path}.paths`, 'must be plain file names in the model folder');
    arr(g, 'weights', path).forEach((w, wi) => {
      const wp = `${path}.weights[${wi}]`;
      if (!isObject(w)) throw new ModelSpecError(wp, 'must be an object');
      const name = str(w, 'name', wp);
      const shape = arr(w, 'shape', wp);
      if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0))
        throw new ModelSpecError(`${wp}.shape`, 'must be non-negative integers');
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw new ModelSpecError(`${wp}.dtype`, `must be float32 or int32, got ${JSON.stringify(w.dtype)}`);
      const q = w.quantization;
      if (q !== undefined && !(isObject(q) && q.dtype === 'float16' && w.dtype === 'float32'))
        throw new ModelSpecError(`${wp}.quantization`, 'only float16 storage of float32 weights is supported');
      if (out.has(name)) throw new ModelSpecError(wp, `duplicate weight name "${name}"`);
      out.set(name, w as unknown as WeightSpec);
    });
  });
  return out;
}

/** Checks that a referenced weight exists with this shape (null: any) and dtype; returns its spec. */
type Need = (path: string, name: Json, shape: (number | null)[], dtype?: WeightSpec['dtype']) => WeightSpec;

/** Validates one layer against the running shape [H, W, C] (or [D] once flat); returns its output shape. */
function validateLayer(raw: Json, path: string, shape: number[], need: Need): number[] {
  if (!isObject(raw)) throw new ModelSpecError(path, 'must be an object');
  const type = raw.type as LayerSpec['type'];
  str(raw, 'name', path);
  const spatial = (what: string): [number, number, number] => {
    if (shape.length !== 3) throw new ModelSpecError(path, `${what} needs an image-shaped input, got [${shape}]`);
    return shape as [number, number, number];
  };
  const channelsMatch = (c: number, h: number, w: number): number => {
    const channels = int(raw, 'channels', path, 1);
    if (channels !== c) throw new ModelSpecError(`${path}.channels`, `is ${channels} but the input has ${c} (at ${h}x${w})`);
    return channels;
  };
  switch (type) {
    case 'coupling': {
      const [h, w, c] = spatial('coupling');
      channelsMatch(c, h, w);
      num(raw, 'clamp', path, 0);
      const len1 = c - Math.floor(c / 2);
      validateSubnet(arr(raw, 'subnet', path), `${path}.subnet`, len1, 2 * Math.floor(c / 2), need);
      validateActNorm(raw, path, c, need);
      return shape;
    }
    case 'downsample_coupling': {
      const [h, w, c] = spatial('downsample_coupling');
      channelsMatch(c, h, w);
      if (h % 2 || w % 2) throw new ModelSpecError(path, `needs an even height and width, got ${h}x${w}`);
      num(raw, 'clamp', path, 0);
      const len2 = Math.floor(c / 2);
      const len1 = c - len2;
      if (len2 < 1) throw new ModelSpecError(`${path}.channels`, 'must be at least 2 to split');
      validateSubnet(arr(raw, 'subnetStrided', path), `${path}.subnetStrided`, len1, 8 * len2, need);
      validateSubnet(arr(raw, 'subnetLowRes', path), `${path}.subnetLowRes`, 4 * len2, 8 * len1, need);
      validateActNorm(raw, path, 4 * c, need);
      return [h / 2, w / 2, 4 * c];
    }
    case 'haar': {
      const [h, w, c] = spatial('haar');
      channelsMatch(c, h, w);
      if (h % 2 || w % 2) throw new ModelSpecError(path, `needs an even height and width, got ${h}x${w}`);
      num(raw, 'rebalance', path, Number.MIN_VALUE);
      return [h / 2, w / 2, 4 * c];
    }
    case 'dct_pool': {
      const [h, w, c] = spatial('dct_pool');
      channelsMatch(c, h, w);
      const size = int(raw, 'size', path, 1);
      if (h !== size || w !== size) throw new ModelSpecError(`${path}.size`, `is ${size} but the input is ${h}x${w}`);
      num(raw, 'rebalance', path, Number.MIN_VALUE);
      return [h * w * c];
    }
    case 'permute_prefix': {
      if (shape.length !== 1) throw new ModelSpecError(path, `needs a flat input, got [${shape}]`);
      need(`${path}.indices`, raw.indices, [null], 'int32');
      return shape;
    }
    default:
      throw new ModelSpecError(`${path}.type`, `unknown layer type ${JSON.stringify(type)}`);
  }
}

function validateActNorm(raw: Record<string, Json>, path: string, c: number, need: Need): void {
  const a = obj(raw, 'actNorm', path) as Partial<Record<keyof ActNormSpec, Json>>;
  need(`${path}.actNorm.scale`, a.scale, [c]);
  need(`${path}.actNorm.offset`, a.offset, [c]);
  need(`${path}.actNorm.permutation`, a.permutation, [c], 'int32');
}

function validateSubnet(ops: Json[], path: string, cin: number, cout: number, need: Need): void {
  let c = cin;
  ops.forEach((raw, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(raw)) throw new ModelSpecError(p, 'must be an object');
    const op = raw.op as SubnetOpSpec['op'];
    if (op === 'relu') return;
    if (op === 'affine') {
      need(`${p}.scale`, raw.scale, [c]);
      need(`${p}.shift`, raw.shift, [c]);
      return;
    }
    if (op !== 'conv') throw new ModelSpecError(`${p}.op`, `unknown subnet op ${JSON.stringify(op)}`);
    int(raw, 'stride', p, 1);
    int(raw, 'padding', p, 0);
    const cOut = need(`${p}.weight`, raw.weight, [null, null, c, null]).shape[3];
    if (raw.bias !== undefined) need(`${p}.bias`, raw.bias, [cOut]);
    c = cOut;
  });
  if (c !== cout) throw new ModelSpecError(path, `ends with ${c} channels, the coupling needs ${cout}`);
}

