/**
 * Image dimensions read from the file header, before any decoding, so that a tiny file that
 * claims a huge or absurdly thin picture is refused without allocating its pixels.
 * Shared by the browser worker (reading Blob slices) and the Node CLI (reading a Buffer).
 */

/** Past this aspect ratio a center crop sees a sliver of the picture; strips are how decoders are attacked. */
export const MAX_ASPECT_RATIO = 20;

/**
 * Node decodes at full size: jpeg-js peaks near 30 bytes a pixel (measured: 0.8 GB at 24 MP, 1.0 GB at 32 MP,
 * 1.6 GB at 53 MP), so 40 MP keeps the CLI under 1.5 GB.
 */
export const MAX_PIXELS_NODE = 40e6;

/** The browser decodes with downscaling; its full-size bitmap is the cost: 128 MP is 512 MB and covers 108 MP phone photos. */
export const MAX_PIXELS_BROWSER = 128e6;

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadBytes = (offset: number, length: number) => Promise<Uint8Array>;

/** The image is too large or too thin to decode safely. */
export class ImageSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageSizeError';
  }
}

/** JPEG segments scanned before the frame header; real files have a handful (EXIF, ICC chunks, tables). */
const MAX_JPEG_SEGMENTS = 4096;

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/**
 * The format and dimensions a file declares; null for a format this reader does not know
 * (the caller then checks the decoded size) or a header cut short (decoding then fails).
 */
export async function readImageHeader(read: ReadBytes): Promise<ImageHeader | null> {
  const b = await read(0, 32);
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a && ascii(b, 12, 4) === 'IHDR')
    return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') return { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webpHeader(b);
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegHeader(read);
  return null;
}

function webpHeader(b: Uint8Array): ImageHeader | null {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return null;
}

/** Walks the marker segments to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC). */
async function jpegHeader(read: ReadBytes): Promise<ImageHeader | null> {
  let at = 2;
  for (let segment = 0; segment < MAX_JPEG_SEGMENTS; segment++) {
    const m = await read(at, 10);
    if (m.length < 4 || m[0] !== 0xff) return null;
    const marker = m[1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return m.length < 9 ? null : { format: 'jpeg', width: u16be(m, 7), height: u16be(m, 5) };
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    at += 2 + u16be(m, 2);
  }
  return null;
}

/** Refuses dimensions past the limits, naming them; `name` is how the user knows the file. */
export function checkImageSize(name: string, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (width < 1 || height < 1) throw new ImageSizeError(`${name} declares a size of ${width}×${height} pixels: it has no pixels to classify`);
  if (pixels > maxPixels)
    throw new ImageSizeError(`${name} is ${width}×${height} pixels (${megapixels(pixels)} MP); GC Lens accepts at most ${maxPixels / 1e6} MP`);
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > MAX_ASPECT_RATIO)
    throw new ImageSizeError(`${name} is ${width}×${height} pixels (aspect ratio ${Math.round(ratio)}:1); GC Lens accepts at most ${MAX_ASPECT_RATIO}:1`);
}

const megapixels = (n: number) => (n >= 10e6 ? Math.round(n / 1e6) : Math.round(n / 1e5) / 10);

/** A ReadBytes over bytes already in memory. */
export const bytesReader =
  (bytes: Uint8Array): ReadBytes =>
  async (offset, length) =>
    bytes.subarray(offset, offset + length);
