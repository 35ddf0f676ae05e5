import { concatBytes } from '../util/concat';
import { fromFloat16Bits } from './float16';
import type { ModelSpec, WeightSpec } from './modelSpec';
import { ModelSpecError, validateModelSpec } from './validateModel';
import { type NamedArray, WeightArrays } from './weightArrays';

/** How a model package's files are reached: over HTTP, from disk, or from browser storage. */
export interface PackageFiles {
  readText(name: string): Promise<string>;
  /** Reads a whole file, reporting bytes as they arrive. */
  readBinary(name: string, onBytes?: (n: number) => void): Promise<Uint8Array>;
}

export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

export function storedBytes(w: WeightSpec): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  return n * (w.quantization?.dtype === 'float16' ? 2 : 4);
}

/** Reads model.json, validates it, then every weight shard, with progress in bytes. */
export async function loadModelPackage(files: PackageFiles, onProgress?: LoadProgress): Promise<{ spec: ModelSpec; weights: WeightArrays }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await files.readText('model.json'));
  } catch (e) {
    // V8 quotes the text around the error, newlines and all: one line for the message.
    throw new ModelSpecError('(file)', `cannot be parsed as JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`);
  }
  const spec = validateModelSpec(raw);
  const total = spec.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + storedBytes(w), 0);
  let loaded = 0;
  onProgress?.(0, total);
  const arrays = new Map<string, NamedArray>();
  for (const [gi, group] of spec.weightsManifest.entries()) {
    const parts: Uint8Array[] = [];
    const countBytes = (n: number) => {
      loaded += n;
      onProgress?.(loaded, total);
    };
    for (const path of group.paths) parts.push(await readShard(files, path, `weightsManifest[${gi}].paths`, countBytes));
    decodeGroup(group.weights, concatBytes(parts), `weightsManifest[${gi}]`, arrays);
  }
  return { spec, weights: new WeightArrays(arrays) };
}

/** A shard that cannot be read (missing, HTTP error, storage gone) is the package's fault: say which. */
async function readShard(files: PackageFiles, path: string, where: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  try {
    return await files.readBinary(path, onBytes);
  } catch (e) {
    const reason = ((e as Error).message ?? String(e)).replace(/\s+/g, ' ').slice(0, 200);
    throw new ModelSpecError(where, `names the shard "${path}", which cannot be read (${reason})`);
  }
}

/** Splits one manifest group's bytes into named arrays, refusing short data and non-finite values. */
export function decodeGroup(weights: WeightSpec[], bytes: Uint8Array, path: string, out: Map<string, NamedArray>): void {
  const need = weights.reduce((s, w) => s + storedBytes(w), 0);
  if (bytes.length !== need) throw new ModelSpecError(path, `its shards hold ${bytes.length} bytes, but its weights need ${need}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (const w of weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array | Int32Array;
    if (w.dtype === 'int32') {
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt32(at + 4 * i, true);
    } else if (w.quantization?.dtype === 'float16') {
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = fromFloat16Bits(view.getUint16(at + 2 * i, true));
    } else {
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
    }
    if (data instanceof Float32Array) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ModelSpecError(`weight "${w.name}"`, `holds a non-finite value (${data[bad]}) at element ${bad}`);
    } else checkPermutation(data, w.name);
    out.set(w.name, { data, shape: w.shape });
    at += storedBytes(w);
  }
}

/** Model packages served over HTTP (the app) with streamed progress. */
export function httpPackageFiles(baseUrl: string, fetchFn: typeof fetch = fetch): PackageFiles {
  const url = (name: string) => `${baseUrl.replace(/\/$/, '')}/${name}`;
  const get = async (name: string) => {
    const res = await fetchFn(url(name));
    if (!res.ok) throw new Error(`cannot load ${url(name)}: HTTP ${res.status}`);
    return res;
  };
  return {
    readText: async (name) => (await get(name)).text(),
    async readBinary(name, onBytes) {
      const res = await get(name);
      if (!res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        onBytes?.(bytes.length);
        return bytes;
      }
      const chunks: Uint8Array[] = [];
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        onBytes?.(value.length);
      }
      return concatBytes(chunks);
    },
  };
}

/** Every int32 weight of a package is an index permutation; anything else would silently break the inverse. */
function checkPermutation(indices: Int32Array, name: string): void {
  const seenAt = new Int32Array(indices.length).fill(-1);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    const problem = !(j >= 0 && j < indices.length)
      ? `${j} at position ${i} is out of range`
      : seenAt[j] >= 0
        ? `${j} appears at positions ${seenAt[j]} and ${i}`
        : '';
    if (problem) throw new ModelSpecError(`weight "${name}"`, `is not a permutation of 0…${indices.length - 1}: ${problem}`);
    seenAt[j] = i;
  }
}
