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
 * straight to the input size), center crop, scale to [0, 1], normalize. Returns NHWC float32
 * [H, W, C]. The same code runs in the browser and in Node, so both see identical numbers.
 * Only the output pixels that survive the crop are computed, from the source rows and columns
 * they read: a 1×100,000 strip never becomes a 55×5.5M resized image.
 */
export function preprocessImage(image: RgbaImage, spec: Pick<ModelSpec, 'input' | 'preprocessing'>): Float32Array {
  const { channels, height, width } = spec.input;
  const { resizeShorter, centerCrop, mean, std } = spec.preprocessing;
  const [h, w] = [image.height, image.width];
  let targetH = height;
  let targetW = width;
  if (resizeShorter !== null) {
    const scale = resizeShorter / Math.min(h, w);
    targetH = Math.max(height, Math.round(h * scale));
    targetW = Math.max(width, Math.round(w * scale));
    if (h < w) targetH = resizeShorter;
    else targetW = resizeShorter;
  }
  if ((targetH !== height || targetW !== width) && !centerCrop)
    throw new Error(`after resizing the image is ${targetW}x${targetH}, not the model's ${width}x${height}`);
  const top = Math.round((targetH - height) / 2);
  const left = Math.round((targetW - width) / 2);
  const columns = resampling(w, targetW, left, width);
  const rows = resampling(h, targetH, top, height);
  // Horizontal pass over just the source rows the vertical taps read, as in resizePlane (rows, then columns).
  const firstRow = rows.lo[0];
  const rowCount = rows.hi[height - 1] - firstRow + 1;
  const horizontal = Array.from({ length: channels }, () => new Float32Array(rowCount * width));
  const source = Array.from({ length: channels }, () => new Float32Array(w));
  for (let r = 0; r < rowCount; r++) {
    toPlanarRow(image, firstRow + r, columns.lo[0], columns.hi[width - 1], channels, source);
    for (let c = 0; c < channels; c++) applyTaps(source[c], 0, 1, columns, horizontal[c], r * width, 1);
  }
  const out = new Float32Array(height * width * channels);
  const column = new Float32Array(height);
  for (let c = 0; c < channels; c++)
    for (let x = 0; x < width; x++) {
      applyTaps(horizontal[c], x - firstRow * width, width, rows, column, 0, 1);
      for (let y = 0; y < height; y++) out[(y * width + x) * channels + c] = (column[y] - mean[c]) / std[c];
    }
  return out;
}

/** Columns x0..x1 of one source row → float plane rows per model channel in [0, 1], alpha composited on white. */
function toPlanarRow(image: RgbaImage, y: number, x0: number, x1: number, channels: number, out: Float32Array[]): void {
  const d = image.data;
  for (let x = x0, i = 4 * (y * image.width + x0); x <= x1; x++, i += 4) {
    const a = d[i + 3] / 255;
    const r = (d[i] * a + BACKGROUND * (1 - a)) / 255;
    const g = (d[i + 1] * a + BACKGROUND * (1 - a)) / 255;
    const b = (d[i + 2] * a + BACKGROUND * (1 - a)) / 255;
    if (channels === 1) out[0][x] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[0][x] = r;
      out[1][x] = g;
      out[2][x] = b;
    }
  }
}

/** The taps of outputs first..first+count−1 of an n → nn linear resampling (see resampleRows). */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  weights: Float64Array[];
  totals: Float64Array;
}

function resampling(n: number, nn: number, first: number, count: number): Taps {
  const taps: Taps = { lo: new Int32Array(count), hi: new Int32Array(count), weights: [], totals: new Float64Array(count) };
  const scale = n / nn;
  const support = Math.max(1, scale);
  for (let j = 0; j < count; j++) {
    const center = (first + j + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(n - 1, Math.ceil(center + support));
    const weights = new Float64Array(hi - lo + 1);
    for (let s = lo; s <= hi; s++) weights[s - lo] = Math.max(0, 1 - Math.abs((s + 0.5 - center) / support));
    taps.lo[j] = lo;
    taps.hi[j] = hi;
    taps.weights[j] = weights;
    taps.totals[j] = weights.reduce((a, b) => a + b, 0);
  }
  return taps;
}

/** out[at + j·1] = Σ_s p[offset + s·stride] · weight / total, summed in the same order as resampleRows. */
function applyTaps(p: Float32Array, offset: number, stride: number, taps: Taps, out: Float32Array, at: number, outStride: number): void {
  for (let j = 0; j < taps.lo.length; j++) {
    const weights = taps.weights[j];
    const lo = taps.lo[j];
    let acc = 0;
    for (let s = lo; s <= taps.hi[j]; s++) acc += p[offset + s * stride] * weights[s - lo];
    out[at + j * outStride] = acc / taps.totals[j];
  }
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
