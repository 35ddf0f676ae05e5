import { color, interpolateInferno, interpolateRdBu, scaleDiverging, scaleSequential } from 'd3';
import type { ModelInputImage } from '../worker/protocol';

/** Encoded once per image: the model input is drawn under every map and difference image, redrawn at each result. */
const pngDataUrls = new WeakMap<ModelInputImage, Promise<string>>();

/**
 * An RGBA image as a PNG data URL, for SVG <image> elements (an exported SVG carries it as it is). canvas.toBlob and
 * FileReader work outside the page's task: a synchronous toDataURL of a 224² image cost the main thread 5–25 ms per map
 * or slider step, and URL.createObjectURL waits on the browser process, 100+ ms while it was busy with a screenshot.
 */
export function pngDataUrl(image: ModelInputImage): Promise<string> {
  let url = pngDataUrls.get(image);
  if (url) return url;
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
  url = new Promise<Blob>((done, fail) =>
    canvas.toBlob((b) => (b ? done(b) : fail(new Error(`a ${image.width}×${image.height} image could not be encoded as PNG`))), 'image/png'),
  ).then(blobDataUrl);
  pngDataUrls.set(image, url);
  return url;
}

/** A blob's bytes as a data: URL, read outside the page's task. */
function blobDataUrl(blob: Blob): Promise<string> {
  return new Promise((done, fail) => {
    const reader = new FileReader();
    reader.onload = () => done(reader.result as string);
    reader.onerror = () => fail(reader.error);
    reader.readAsDataURL(blob);
  });
}

export type ColorScale = (v: number) => string;

/** A color scale (for legends), the values it spans, and its colors tabulated across that span (for rasters). */
export interface ColorMap {
  scale: ColorScale;
  extent: [number, number];
  /** RGBA of LUT_STEPS colors evenly across the extent. */
  table: Uint8ClampedArray;
}

/** Finer than 8-bit color needs across a diverging scale (2 × 256 levels); each step parses one color string. */
const LUT_STEPS = 1024;
const tables = new Map<(t: number) => string, Uint8ClampedArray>();

/**
 * An interpolator's colors at LUT_STEPS points of [0, 1], made once: a scale's colors depend on a value only through
 * its place in the extent, and parsing thousands of color strings per drawing costs the page tens of milliseconds.
 */
function tabulate(interpolator: (t: number) => string): Uint8ClampedArray {
  let table = tables.get(interpolator);
  if (table) return table;
  table = new Uint8ClampedArray(LUT_STEPS * 4);
  for (let j = 0; j < LUT_STEPS; j++) {
    const c = color(interpolator(j / (LUT_STEPS - 1)))?.rgb();
    table.set(c ? [c.r, c.g, c.b, 255] : [0, 0, 0, 0], 4 * j);
  }
  tables.set(interpolator, table);
  return table;
}

const redToBlue = (t: number) => interpolateRdBu(1 - t);

/** Red for positive, blue for negative, white at zero; symmetric so that signs compare. */
export function divergingScale(values: ArrayLike<number>): ColorMap {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  m = m || 1;
  return { scale: scaleDiverging(redToBlue).domain([-m, 0, m]), extent: [-m, m], table: tabulate(redToBlue) };
}

export function sequentialScale(max: number): ColorMap {
  const top = max > 0 ? max : 1;
  return { scale: scaleSequential(interpolateInferno).domain([0, top]), extent: [0, top], table: tabulate(interpolateInferno) };
}

/** values[row·width + col] colored from the map's table, as an RGBA image; values that are not finite stay transparent. */
export function colorize(values: ArrayLike<number>, width: number, height: number, { extent: [lo, hi], table }: ColorMap): ModelInputImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const steps = table.length / 4 - 1;
  const span = hi - lo || 1;
  for (let i = 0; i < width * height; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const j = 4 * Math.round(Math.min(steps, Math.max(0, ((v - lo) / span) * steps)));
    rgba[4 * i] = table[j];
    rgba[4 * i + 1] = table[j + 1];
    rgba[4 * i + 2] = table[j + 2];
    rgba[4 * i + 3] = table[j + 3];
  }
  return { width, height, rgba };
}
