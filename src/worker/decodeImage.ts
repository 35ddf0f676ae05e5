import type { RgbaImage } from '../formats/preprocess';

/** The same ceiling the Node decoder uses: larger images exhaust a tab's memory. */
const MAX_PIXELS = 64e6;

/**
 * Decodes an image file to RGBA in a worker. Colour-space conversion and premultiplication are off
 * so that opaque PNGs give the same bytes as Node's decoder.
 */
export async function decodeImage(file: Blob, name: string): Promise<RgbaImage> {
  if (file.type && !file.type.startsWith('image/'))
    throw new Error(`“${name}” is not an image (${file.type}): choose a PNG, JPEG or WebP file.`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new Error(`“${name}” could not be decoded as an image: it is damaged or in a format this browser cannot read.`);
  }
  const { width, height } = bitmap;
  try {
    if (width * height > MAX_PIXELS)
      throw new Error(`“${name}” is ${width}×${height} pixels; images up to ${MAX_PIXELS / 1e6} megapixels are accepted.`);
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser has no 2D canvas in workers');
    context.drawImage(bitmap, 0, 0);
    return { width, height, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}
