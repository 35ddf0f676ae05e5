import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../../src/formats/preprocess';

const MAX_PIXELS = 64e6;

/** Decodes a PNG or JPEG file to RGBA (Node); anything else is refused by its first bytes. */
export async function decodeImageFile(path: string): Promise<RgbaImage> {
  const bytes = await readFile(path);
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6 });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new Error(`${path} is neither a PNG nor a JPEG image`);
}
