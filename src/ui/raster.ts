import { color, interpolateInferno, interpolateRdBu, scaleDiverging, scaleSequential } from 'd3';
import type { ModelInputImage } from '../worker/protocol';

/** A PNG data URL of an RGBA image, for SVG <image> elements (exports keep them). */
export function imageDataUrl(image: ModelInputImage): string {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
  return canvas.toDataURL('image/png');
}

export type ColorScale = (v: number) => string;

/** Red for positive, blue for negative, white at zero; symmetric so that signs compare. */
export function divergingScale(values: ArrayLike<number>): { scale: ColorScale; extent: [number, number] } {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  m = m || 1;
  return { scale: scaleDiverging((t: number) => interpolateRdBu(1 - t)).domain([-m, 0, m]), extent: [-m, m] };
}

export function sequentialScale(max: number): { scale: ColorScale; extent: [number, number] } {
  const top = max > 0 ? max : 1;
  return { scale: scaleSequential(interpolateInferno).domain([0, top]), extent: [0, top] };
}

/**
 * values[row·width + col] colored by scale, as an RGBA image. With the scale's extent, colors come
 * from a table of 4096 steps across it (a 224² map in a few ms instead of one color parse per pixel).
 */
export function colorize(values: ArrayLike<number>, width: number, height: number, scale: ColorScale, extent?: [number, number]): ModelInputImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const rgbOf = (v: number) => {
    const c = color(scale(v))?.rgb();
    return c ? [c.r, c.g, c.b, 255] : [0, 0, 0, 0];
  };
  if (!extent || !(extent[1] > extent[0])) {
    for (let i = 0; i < width * height; i++) rgba.set(rgbOf(values[i]), 4 * i);
    return { width, height, rgba };
  }
  const [lo, hi] = extent;
  const steps = LUT_STEPS - 1;
  const table = new Uint8ClampedArray(LUT_STEPS * 4);
  for (let j = 0; j <= steps; j++) table.set(rgbOf(lo + ((hi - lo) * j) / steps), 4 * j);
  for (let i = 0; i < width * height; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const j = 4 * Math.round(Math.min(steps, Math.max(0, ((v - lo) / (hi - lo)) * steps)));
    rgba[4 * i] = table[j];
    rgba[4 * i + 1] = table[j + 1];
    rgba[4 * i + 2] = table[j + 2];
    rgba[4 * i + 3] = table[j + 3];
  }
  return { width, height, rgba };
}

const LUT_STEPS = 4096;
