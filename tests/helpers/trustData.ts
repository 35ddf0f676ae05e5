import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { MissingRequirement } from './requirements';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SIDE = 28;
const GRID_COLUMNS = 20;

/** 28×28 greyscale images, row-major, with their labels. */
export interface DigitSet {
  images: Uint8Array[];
  labels: Uint8Array;
}

/** The first n (≤ 300) MNIST test digits, from the grid in tests/fixtures/trust (see its README). */
export async function mnistTestDigits(n: number): Promise<DigitSet> {
  const dir = join(ROOT, 'tests', 'fixtures', 'trust');
  const png = PNG.sync.read(await readFile(join(dir, 'mnist-test-300.png')));
  const labels = new Uint8Array(await readFile(join(dir, 'mnist-test-300-labels.u8')));
  if (n > labels.length) throw new Error(`the fixture holds ${labels.length} digits, ${n} asked for`);
  const images = Array.from({ length: n }, (_, i) => {
    const out = new Uint8Array(SIDE * SIDE);
    const top = SIDE * Math.floor(i / GRID_COLUMNS);
    const left = SIDE * (i % GRID_COLUMNS);
    // pngjs gives RGBA; the grid is grey, so R is the value.
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) out[y * SIDE + x] = png.data[4 * ((top + y) * png.width + left + x)];
    return out;
  });
  return { images, labels: labels.subarray(0, n) };
}

/** Debian's dataset-fashion-mnist (installed by .ci/run). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fails (never skips) without the package, saying how to install it. */
export function requireFashionMnist(): void {
  if (!existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')))
    throw new MissingRequirement(`Fashion-MNIST not found in ${FASHION_MNIST_DIR}: run \`apt-get install dataset-fashion-mnist\``);
}

/** The first n Fashion-MNIST test images, from the official idx files. */
export async function fashionTestImages(n: number): Promise<DigitSet> {
  requireFashionMnist();
  const images = gunzipSync(await readFile(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await readFile(join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')));
  if (images.readUInt32BE(0) !== 0x0803 || images.readUInt32BE(8) !== SIDE) throw new Error('unexpected Fashion-MNIST image file header');
  return {
    images: Array.from({ length: n }, (_, i) => new Uint8Array(images.subarray(16 + i * SIDE * SIDE, 16 + (i + 1) * SIDE * SIDE))),
    labels: new Uint8Array(labels.subarray(8, 8 + n)),
  };
}

/** A greyscale image as PNG bytes. */
export function greyPng(pixels: Uint8Array, width = SIDE, height = SIDE): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0 });
}

/** What training/trust_metrics.py (evaluate.py's functions) says about the same outputs. */
export interface PythonTrustMetrics {
  accuracy: number | null;
  ece: number | null;
  bins: { lower: number; upper: number; count: number; mean_confidence: number | null; accuracy: number | null }[] | null;
  auroc: number | null;
}

export function pythonTrustMetrics(python: string, input: object): PythonTrustMetrics {
  const out = execFileSync(python, [join(ROOT, 'training', 'trust_metrics.py')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out) as PythonTrustMetrics;
}
