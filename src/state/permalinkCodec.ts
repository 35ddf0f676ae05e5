/** Byte codecs for links: raw deflate through the platform's (de)compression streams, and base64url. */

/** Bytes compressed per task: the page writes links while the user works, so no slice may hold its thread long. */
const DEFLATE_SLICE = 16384;

/** Lets the page's other tasks run (input, drawing) between slices of a long computation. */
const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream('deflate-raw');
  const deflated = new Response(stream.readable).arrayBuffer();
  const writer = stream.writable.getWriter();
  for (let i = 0; i < bytes.length; i += DEFLATE_SLICE) {
    await writer.write(bytes.slice(i, i + DEFLATE_SLICE));
    await yieldToPage();
  }
  await writer.close();
  return new Uint8Array(await deflated);
}

export type InflateResult = { ok: true; bytes: Uint8Array } | { ok: false; problem: 'too-large' | 'damaged' };

/**
 * Inflates a raw deflate stream that must produce exactly `size` bytes. Reading stops as soon as
 * the output would pass `size`, so a deflate bomb costs at most `size` bytes plus one chunk.
 */
export async function inflateRawExactly(bytes: Uint8Array, size: number): Promise<InflateResult> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const out = new Uint8Array(size);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > size) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, problem: 'too-large' };
      }
      out.set(value, length);
      length += value.length;
    }
  } catch {
    return { ok: false, problem: 'damaged' };
  }
  return length === size ? { ok: true, bytes: out } : { ok: false, problem: 'damaged' };
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** null unless text is unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * PNG's row filters (none, sub, up, average, Paeth), one chosen per row by the smallest sum of
 * absolute differences, as PNG encoders do: 8-bit pixels, row-major (h, w, c), each row written as
 * its filter byte and the filtered bytes. Lossless by construction; photos then deflate to about half.
 * Rows [from, to) only, when given: the page filters a large image a slice at a time.
 */
export function filterRows(pixels: Uint8Array, width: number, height: number, channels: number, from = 0, to = height): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array((to - from) * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = from; y < to; y++) {
    const row = y * stride;
    let bestCost = Infinity;
    for (let filter = 0; filter < 5; filter++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const v = (pixels[row + i] - predict(pixels, row, i, stride, channels, filter, y > 0)) & 255;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        out[(y - from) * (stride + 1)] = filter;
        out.set(candidate, (y - from) * (stride + 1) + 1);
      }
    }
  }
  return out;
}

const FILTER_SLICE_ROWS = 32;

/** filterRows on the page's thread, a slice of rows per task. */
export async function filterRowsInSlices(pixels: Uint8Array, width: number, height: number, channels: number): Promise<Uint8Array> {
  const out = new Uint8Array(height * (width * channels + 1));
  for (let y = 0; y < height; y += FILTER_SLICE_ROWS) {
    out.set(filterRows(pixels, width, height, channels, y, Math.min(height, y + FILTER_SLICE_ROWS)), y * (width * channels + 1));
    await yieldToPage();
  }
  return out;
}

/** The inverse of filterRows; null when a row names an unknown filter or the length is wrong. */
export function unfilterRows(filtered: Uint8Array, width: number, height: number, channels: number): Uint8Array | null {
  const stride = width * channels;
  if (filtered.length !== height * (stride + 1)) return null;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)];
    if (filter > 4) return null;
    const row = y * stride;
    for (let i = 0; i < stride; i++) pixels[row + i] = (filtered[y * (stride + 1) + 1 + i] + predict(pixels, row, i, stride, channels, filter, y > 0)) & 255;
  }
  return pixels;
}

function predict(p: Uint8Array, row: number, i: number, stride: number, channels: number, filter: number, hasUp: boolean): number {
  if (filter === 0) return 0;
  const a = i >= channels ? p[row + i - channels] : 0;
  const b = hasUp ? p[row - stride + i] : 0;
  if (filter === 1) return a;
  if (filter === 2) return b;
  if (filter === 3) return (a + b) >> 1;
  const c = hasUp && i >= channels ? p[row - stride + i - channels] : 0;
  // Paeth: the neighbour closest to a + b − c, ties to a, then b.
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
