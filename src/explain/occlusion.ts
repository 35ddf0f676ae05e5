import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { assertClassIndex, assertSingleImage, yieldUnlessAborted } from './checks';

type Model = Pick<GenerativeClassifier, 'classify' | 'mixture'>;

export interface OcclusionOptions {
  classIndex: number;
  /** Side of the square patch in pixels, 1 … min(H, W). */
  patch: number;
  /** Pixels between patch positions, ≥ 1. */
  stride: number;
  /** The value a patch is filled with, in normalized space: 0 is the mean color. Default 0. */
  fill?: number;
  /** Occluded images per forward pass. Default 8. */
  batchSize?: number;
  /** Checked between forward passes: aborting throws an AbortError. */
  signal?: AbortSignal;
  /** Called after each forward pass with the occluded images done so far and in all. */
  onStep?: (done: number, total: number) => void;
}

export interface OcclusionMap {
  /** Patch positions along each axis: rows × cols. */
  rows: number;
  cols: number;
  /** Top-left pixel of each patch row / column. */
  rowStarts: number[];
  colStarts: number[];
  /** log p(x_occluded | y) − log p(x | y) in nats, per patch: [row · cols + col]. */
  patchMap: Float64Array;
  height: number;
  width: number;
  /** The mean of patchMap over the patches that cover each pixel (0 where none does, stride > patch): [h · width + w]. */
  pixelMap: Float64Array;
  /** log p(x | y) of the image itself. */
  logLikelihood: number;
}

/** The change in log p(x|y) when each patch (on a stride grid that reaches every edge) is filled. */
export async function occlusionMap(model: Model, x: tf.Tensor, options: OcclusionOptions): Promise<OcclusionMap> {
  assertSingleImage(x, 'occlusionMap');
  const [, height, width, channels] = x.shape;
  const { classIndex, patch, stride, fill = 0, batchSize = 8, signal, onStep } = options;
  assertClassIndex(classIndex, model.mixture.classes);
  if (!Number.isInteger(patch) || patch < 1 || patch > Math.min(height, width))
    throw new RangeError(`patch must be an integer in [1, ${Math.min(height, width)}], got ${patch}`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (!Number.isFinite(fill)) throw new RangeError('fill must be finite');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);

  const image = (await x.data()) as Float32Array;
  const rowStarts = patchStarts(height, patch, stride);
  const colStarts = patchStarts(width, patch, stride);
  const patches = rowStarts.flatMap((r) => colStarts.map((c) => [r, c]));
  const logLikelihood = (await logLikelihoods(model, image, [1, height, width, channels], classIndex, signal))[0];
  const patchMap = new Float64Array(patches.length);
  for (let start = 0; start < patches.length; start += batchSize) {
    await yieldUnlessAborted(signal);
    const group = patches.slice(start, start + batchSize);
    const batch = new Float32Array(group.length * image.length);
    group.forEach(([r0, c0], b) => {
      const out = batch.subarray(b * image.length, (b + 1) * image.length);
      out.set(image);
      for (let r = r0; r < r0 + patch; r++) out.fill(fill, (r * width + c0) * channels, (r * width + c0 + patch) * channels);
    });
    const values = await logLikelihoods(model, batch, [group.length, height, width, channels], classIndex, signal);
    for (const [b, v] of values.entries()) patchMap[start + b] = v - logLikelihood;
    onStep?.(start + group.length, patches.length);
  }

  const sum = new Float64Array(height * width);
  const count = new Uint32Array(height * width);
  patches.forEach(([r0, c0], p) => {
    for (let r = r0; r < r0 + patch; r++)
      for (let c = c0; c < c0 + patch; c++) {
        sum[r * width + c] += patchMap[p];
        count[r * width + c]++;
      }
  });
  return {
    rows: rowStarts.length,
    cols: colStarts.length,
    rowStarts,
    colStarts,
    patchMap,
    height,
    width,
    pixelMap: sum.map((s, i) => (count[i] ? s / count[i] : 0)),
    logLikelihood,
  };
}

/** 0, stride, 2·stride, … and a last patch flush with the far edge, so every pixel is covered. */
export function patchStarts(length: number, patch: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s + patch < length; s += stride) starts.push(s);
  starts.push(length - patch);
  return starts;
}

/** One forward pass that yields between layers: a cancel stops it within one layer. */
async function logLikelihoods(model: Model, data: Float32Array, shape: number[], classIndex: number, signal?: AbortSignal): Promise<number[]> {
  const batch = tf.tensor4d(data, shape as [number, number, number, number]);
  try {
    const r = await model.classify(batch, () => yieldUnlessAborted(signal));
    return Array.from({ length: r.batch }, (_, i) => r.logLikelihood[i * r.classes + classIndex]);
  } finally {
    batch.dispose();
  }
}
