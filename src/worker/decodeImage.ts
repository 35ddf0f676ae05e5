import type { RgbaImage } from '../formats/preprocess';
import type { InputNote } from './protocol';

/** Past this many pixels even the 8-bit decode is refused: browsers fail unpredictably there. */
const MAX_PIXELS = 200e6;

export interface DecodedImage {
  image: RgbaImage;
  /** What happened on the way in. */
  notes: InputNote[];
}

/**
 * Decodes an image file to RGBA in a worker. Colour-space conversion and premultiplication are off
 * so that opaque PNGs give the same bytes as Node's decoder. An image much larger than the model
 * needs is downscaled by the browser's decoder first (neededShorterSide · 4 at most), so that no
 * full-size float copy of a photo is ever made.
 */
export async function decodeImage(file: Blob, name: string, neededShorterSide: number): Promise<DecodedImage> {
  const type = file.type.toLowerCase();
  if (type === 'image/svg+xml' || /\.svgz?$/i.test(name))
    throw new Error(`“${name}” is an SVG drawing: it has no fixed pixels to classify. Export it as PNG first.`);
  if (type && !type.startsWith('image/'))
    throw new Error(`“${name}” is not an image (${type}): choose a PNG, JPEG, GIF or WebP file.`);
  if (file.size === 0) throw new Error(`“${name}” is empty.`);
  const notes: InputNote[] = [];
  const frames = await frameCount(file, type);
  if (frames > 1) notes.push({ kind: 'animated', name, frames });

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new Error(`“${name}” could not be decoded as an image: it is damaged, cut short, or in a format this browser cannot read.`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS) throw new Error(`“${name}” is ${width}×${height} pixels; images up to ${MAX_PIXELS / 1e6} megapixels are accepted.`);
    const scale = Math.min(1, (4 * neededShorterSide) / Math.min(width, height));
    if (scale < 1) {
      const resized = await createImageBitmap(bitmap, {
        resizeWidth: Math.max(1, Math.round(width * scale)),
        resizeHeight: Math.max(1, Math.round(height * scale)),
        resizeQuality: 'high',
        premultiplyAlpha: 'none',
        colorSpaceConversion: 'none',
      });
      bitmap.close();
      bitmap = resized;
      notes.push({ kind: 'downscaled', name, width, height, toWidth: bitmap.width, toHeight: bitmap.height });
    }
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser has no 2D canvas in workers');
    context.drawImage(bitmap, 0, 0);
    return { image: { width: bitmap.width, height: bitmap.height, data: context.getImageData(0, 0, bitmap.width, bitmap.height).data }, notes };
  } finally {
    bitmap.close();
  }
}

/** Frames of an animated image, where the browser can tell (WebCodecs); 1 otherwise. */
async function frameCount(file: Blob, type: string): Promise<number> {
  if (!['image/gif', 'image/webp', 'image/png', 'image/apng'].includes(type) || typeof ImageDecoder === 'undefined') return 1;
  try {
    if (!(await ImageDecoder.isTypeSupported(type))) return 1;
    const decoder = new ImageDecoder({ data: file.stream(), type });
    try {
      await decoder.tracks.ready;
      return decoder.tracks.selectedTrack?.frameCount ?? 1;
    } finally {
      decoder.close();
    }
  } catch {
    // Decoding proper reports damaged files with a clearer message.
    return 1;
  }
}
