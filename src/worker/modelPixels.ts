import type { ModelSpec } from '../formats/modelSpec';
import { preprocessImage, type RgbaImage } from '../formats/preprocess';
import type { InputNote, ModelInputImage, Pixels } from './protocol';

type Spec = Pick<ModelSpec, 'input' | 'preprocessing'>;

/**
 * The model sees the 8-bit image it shows: after resizing, the input is rounded to 8 bits per
 * channel (as torchvision does when it resizes a PIL image), so a link that carries these bytes
 * reproduces the numbers exactly.
 */
export function quantizedModelInput(image: RgbaImage, spec: Spec): { data: Float32Array; pixels: Pixels } {
  const { channels, height, width } = spec.input;
  const { mean, std } = spec.preprocessing;
  const x = preprocessImage(image, spec);
  const bytes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    bytes[i] = Math.min(255, Math.max(0, Math.round((x[i] * std[c] + mean[c]) * 255)));
  }
  const pixels: Pixels = { width, height, channels: channels as 1 | 3, pixels: bytes };
  return { data: normalizePixels(pixels, spec), pixels };
}

/** 8-bit pixels at the model's input size → normalized NHWC. */
export function normalizePixels(p: Pixels, spec: Spec): Float32Array {
  const { mean, std } = spec.preprocessing;
  return Float32Array.from(p.pixels, (v, i) => (v / 255 - mean[i % p.channels]) / std[i % p.channels]);
}

/** 8-bit pixels of any size as RGBA, for the model's own resize. */
export function pixelsToRgba(p: Pixels): RgbaImage {
  const n = p.width * p.height;
  const data = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) data[4 * i + k] = p.pixels[i * p.channels + (p.channels === 1 ? 0 : k)];
    data[4 * i + 3] = 255;
  }
  return { width: p.width, height: p.height, data };
}

export function pixelsToImage(p: Pixels): ModelInputImage {
  const { data } = pixelsToRgba(p);
  return { width: p.width, height: p.height, rgba: data as Uint8ClampedArray<ArrayBuffer> };
}

/** How an image's colors meet the model's channels. */
export function colorNotes(image: RgbaImage, channels: number): InputNote[] {
  const d = image.data;
  let gray = true;
  let transparent = false;
  for (let i = 0; i < d.length; i += 4) {
    if (gray && (d[i] !== d[i + 1] || d[i] !== d[i + 2])) gray = false;
    if (d[i + 3] < 255) transparent = true;
  }
  const notes: InputNote[] = [];
  if (transparent) notes.push({ kind: 'transparent' });
  if (gray && channels === 3) notes.push({ kind: 'gray-for-color' });
  if (!gray && channels === 1) notes.push({ kind: 'color-for-gray' });
  return notes;
}
