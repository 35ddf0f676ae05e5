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

/** values[row·width + col] colored by scale, as an RGBA image. */
export function colorize(values: ArrayLike<number>, width: number, height: number, scale: ColorScale): ModelInputImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const c = color(scale(values[i]))?.rgb();
    if (c) rgba.set([c.r, c.g, c.b, 255], 4 * i);
  }
  return { width, height, rgba };
}
