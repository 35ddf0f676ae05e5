import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
export const PREPARE_DATA = join(import.meta.dirname, '..', '..', 'training', 'prepare_data.py');

/** Deterministic bytes that differ from image to image (a plain LCG, so every test sees the same data). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** An idx file as MNIST publishes it: big-endian magic 0x0000080N and N big-endian uint32 dims, then uint8 data, gzip'd. */
export function idxGz(dims: number[], data: Uint8Array, magic = 0x0800 + dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  for (const [i, d] of dims.entries()) header.writeUInt32BE(d, 4 + 4 * i);
  return gzipSync(Buffer.concat([header, data]));
}

export interface TinySplit {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The four official MNIST / Fashion-MNIST files for the given 28x28 images, written into dir. */
export async function writeMnistFiles(dir: string, train: TinySplit, test: TinySplit): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: [string, TinySplit][] = [
    ['train', train],
    ['t10k', test],
  ];
  for (const [prefix, split] of files) {
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte.gz`), idxGz([split.labels.length, 28, 28], split.images));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte.gz`), idxGz([split.labels.length], split.labels));
  }
}

/** A split of n 28x28 digits with labels 0..9 cycling. */
export function tinyMnistSplit(n: number, seed: number): TinySplit {
  return { images: patternBytes(n * 28 * 28, seed), labels: Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10) };
}

export async function prepareData(python: string, args: string[]): Promise<string> {
  const { stdout } = await run(python, [PREPARE_DATA, ...args]);
  return stdout;
}

/**
 * Runs training/smoke.sh into `out` on a data directory built there from official-format MNIST files
 * (pattern images), so nothing outside the repository is read. Leaves out/model.pt and out/logits/.
 */
export async function trainSmokeModel(python: string, out: string): Promise<void> {
  await writeMnistFiles(join(out, 'mnist-idx'), tinyMnistSplit(200, 11), tinyMnistSplit(16, 12));
  const data = join(out, 'data');
  await prepareData(python, ['--out', data, '--mnist', join(out, 'mnist-idx')]);
  const smoke = join(import.meta.dirname, '..', '..', 'training', 'smoke.sh');
  await run('bash', [smoke, out, data], { maxBuffer: 1 << 24, env: { ...process.env, PYTHON: python } });
}
