import type { ModelSpec } from './modelSpec';

/** Decoded pixels: RGBA, 8 bits per channel, row-major (as canvas ImageData and our decoders give). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Transparent pixels are composited onto white, what a viewer shows. */
const BACKGROUND = 255;

/**
 * Turns an image into the model's input as model.json prescribes: resize (shorter side, or
 * straight to the input size), centre crop, scale to [0, 1], normalise. Returns NHWC float32
 * [H, W, C]. The same code runs in the browser and in Node, so both see identical numbers.
 */
export function preprocessImage(image: RgbaImage, spec: Pick<ModelSpec, 'input' | 'preprocessing'>): Float32Array {
  const { channels, height, width } = spec.input;
  const { resizeShorter, centerCrop, mean, std } = spec.preprocessing;
  const rgb = toPlanarFloat(image, channels);
  let [h, w] = [image.height, image.width];
  let targetH = height;
  let targetW = width;
  if (resizeShorter !== null) {
    const scale = resizeShorter / Math.min(h, w);
    targetH = Math.max(height, Math.round(h * scale));
    targetW = Math.max(width, Math.round(w * scale));
    if (h < w) targetH = resizeShorter;
    else targetW = resizeShorter;
  }
  let planes = rgb.map((p) => resizePlane(p, w, h, targetW, targetH));
  [h, w] = [targetH, targetW];
  if (h !== height || w !== width) {
    if (!centerCrop) throw new Error(`after resizing the image is ${w}x${h}, not the model's ${width}x${height}`);
    const top = Math.round((h - height) / 2);
    const left = Math.round((w - width) / 2);
    planes = planes.map((p) => crop(p, w, left, top, width, height));
  }
  const out = new Float32Array(height * width * channels);
  for (let c = 0; c < channels; c++) {
    const p = planes[c];
    for (let i = 0; i < height * width; i++) out[i * channels + c] = (p[i] - mean[c]) / std[c];
  }
  return out;
}

/** RGBA bytes → one float plane per model channel in [0, 1], alpha composited on white. */
function toPlanarFloat(image: RgbaImage, channels: number): Float32Array[] {
  const n = image.width * image.height;
  const planes = Array.from({ length: channels }, () => new Float32Array(n));
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const a = d[4 * i + 3] / 255;
    const [r, g, b] = [0, 1, 2].map((k) => (d[4 * i + k] * a + BACKGROUND * (1 - a)) / 255);
    if (channels === 1) planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
    else [planes[0][i], planes[1][i], planes[2][i]] = [r, g, b];
  }
  return planes;
}

function crop(p: Float32Array, w: number, left: number, top: number, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) out.set(p.subarray((top + y) * w + left, (top + y) * w + left + cw), y * cw);
  return out;
}

/** Separable linear (triangle) resampling, widened when shrinking so that it averages (antialias). */
export function resizePlane(p: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  if (w === nw && h === nh) return p;
  const horizontal = resampleRows(p, w, h, nw);
  return transpose(resampleRows(transpose(horizontal, nw, h), h, nw, nh), nh, nw);
}

function transpose(p: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = p[y * w + x];
  return out;
}

function resampleRows(p: Float32Array, w: number, h: number, nw: number): Float32Array {
  const out = new Float32Array(nw * h);
  const scale = w / nw;
  const support = Math.max(1, scale);
  for (let x = 0; x < nw; x++) {
    const center = (x + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(w - 1, Math.ceil(center + support));
    const weights: number[] = [];
    let total = 0;
    for (let s = lo; s <= hi; s++) {
      const wt = Math.max(0, 1 - Math.abs((s + 0.5 - center) / support));
      weights.push(wt);
      total += wt;
    }
    for (let y = 0; y < h; y++) {
      let acc = 0;
      for (let s = lo; s <= hi; s++) acc += p[y * w + s] * weights[s - lo];
      out[y * nw + x] = acc / total;
    }
  }
  return out;
}
