import type { ModelSpec } from '../formats/modelSpec';

/** How far an edited image x′ lies from x, in pixel units: each channel's [0, 1] intensity (normalized value × std). */
export interface ImageChange {
  /** ‖x′ − x‖₂ over every pixel and channel. */
  l2: number;
  /** ‖x′ − x‖₂ / √(H·W·C). */
  rms: number;
  maxAbs: number;
  /** 20·log₁₀(1 / rms) in dB; Infinity for no change. */
  psnr: number;
  width: number;
  height: number;
  /** [H·W] row-major: x′ − x averaged over the channels. */
  difference: Float32Array;
}

/**
 * PSNR at or above which a change counts as hard to see: 35 dB (rms ≤ 1.8 % of the range) is where
 * compressed images are commonly taken to look like their originals.
 */
export const HARD_TO_SEE_PSNR = 35;

/** x′ − x for two normalized NHWC images of the model's input. */
export function imageChange(original: Float32Array, edited: Float32Array, { input, preprocessing }: Pick<ModelSpec, 'input' | 'preprocessing'>): ImageChange {
  const { channels, height, width } = input;
  const pixels = height * width;
  if (original.length !== pixels * channels || edited.length !== original.length)
    throw new RangeError(`expected two images of ${pixels * channels} values, got ${original.length} and ${edited.length}`);
  const difference = new Float32Array(pixels);
  let sq = 0;
  let maxAbs = 0;
  for (let p = 0; p < pixels; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const d = (edited[p * channels + c] - original[p * channels + c]) * preprocessing.std[c];
      sq += d * d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
      sum += d;
    }
    difference[p] = sum / channels;
  }
  const rms = Math.sqrt(sq / (pixels * channels));
  return { l2: Math.sqrt(sq), rms, maxAbs, psnr: -20 * Math.log10(rms), width, height, difference };
}

/** The top class before and after an edit when it changed while the image changed too little to see (PSNR ≥ HARD_TO_SEE_PSNR), else null. */
export function unseenFlip(before: ArrayLike<number>, after: ArrayLike<number>, change: ImageChange): { from: number; to: number } | null {
  const from = argMax(before);
  const to = argMax(after);
  return from !== to && change.psnr >= HARD_TO_SEE_PSNR ? { from, to } : null;
}

function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
