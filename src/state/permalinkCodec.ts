/** Byte codecs for links: raw deflate through the platform's (de)compression streams, and base64url. */

export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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
 */
export function filterRows(pixels: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
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
        out[y * (stride + 1)] = filter;
        out.set(candidate, y * (stride + 1) + 1);
      }
    }
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
  const estimate = a + b - c;
  const [pa, pb, pc] = [Math.abs(estimate - a), Math.abs(estimate - b), Math.abs(estimate - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
