import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { bytesReader, checkImageSize, MAX_PIXELS_NODE, readImageHeader } from '../../src/formats/imageHeader';
import type { RgbaImage } from '../../src/formats/preprocess';

/**
 * Decodes a PNG or JPEG file to RGBA (Node); anything else is refused by its first bytes.
 * The size the header declares is checked first, so a small file that claims a huge picture
 * costs nothing but the read.
 */
export async function decodeImageFile(path: string): Promise<RgbaImage> {
  return decodeImageBytes(await readFile(path), path);
}

export async function decodeImageBytes(bytes: Uint8Array, name: string): Promise<RgbaImage> {
  const header = await readImageHeader(bytesReader(bytes));
  if (header?.format !== 'png' && header?.format !== 'jpeg') {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) throw new Error(`${name} is a JPEG without a frame header: it is damaged or cut short`);
    throw new Error(`${name} is neither a PNG nor a JPEG image`);
  }
  checkImageSize(name, header.width, header.height, MAX_PIXELS_NODE);
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS_NODE / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    throw new Error(`${name} could not be decoded as a ${header.format.toUpperCase()}: ${(e as Error).message}`);
  }
}
