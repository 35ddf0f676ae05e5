import { checkImageSize, MAX_PIXELS_BROWSER, type ReadBytes, readImageHeader } from '../formats/imageHeader';
import type { RgbaImage } from '../formats/preprocess';
import type { InputNote } from './protocol';

export interface DecodedImage {
  image: RgbaImage;
  /** What happened on the way in. */
  notes: InputNote[];
}

/**
 * Decodes an image file to RGBA in a worker. Color-space conversion and premultiplication are off
 * so that opaque PNGs give the same bytes as Node's decoder. The size the header declares (PNG,
 * JPEG, GIF, WebP, BMP) is checked before decoding, so a small file claiming a huge or thin
 * picture is refused without being decoded. An image much larger than the model needs is downscaled
 * by the browser first (shorter side neededShorterSide · 4), so no full-size float copy is made.
 */
export async function decodeImage(file: Blob, name: string, neededShorterSide: number): Promise<DecodedImage> {
  const type = file.type.toLowerCase();
  if (type === 'image/svg+xml' || /\.svgz?$/i.test(name))
    throw new Error(`“${name}” is an SVG drawing: it has no fixed pixels to classify. Export it as PNG first.`);
  if (type && !type.startsWith('image/')) throw new Error(`“${name}” is not an image (${type}): choose a PNG, JPEG, GIF or WebP file.`);
  if (file.size === 0) throw new Error(`“${name}” is empty.`);
  const header = await readImageHeader(blobReader(file));
  const label = `“${name}”`;
  if (header) checkImageSize(label, header.width, header.height, MAX_PIXELS_BROWSER);
  const notes: InputNote[] = [];
  const frames = await frameCount(file, type);
  if (frames > 1) notes.push({ kind: 'animated', name, frames });

  // Decoded at full size, then downscaled: resize options given to the first decode would apply
  // after EXIF orientation, which the header does not tell, and could squash rotated photos.
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new Error(`${label} could not be decoded as an image: it is damaged, cut short, or in a format this browser cannot read.`);
  }
  try {
    const { width, height } = bitmap;
    // Formats whose header we do not read (AVIF, HEIC…) are checked once decoded.
    checkImageSize(label, width, height, MAX_PIXELS_BROWSER);
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

/** Blob slices, so that only the header bytes are read before the size is checked. */
function blobReader(file: Blob): ReadBytes {
  return async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
}

/** Frames of an animated image, where the browser can tell (WebCodecs); 1 otherwise. */
async function frameCount(file: Blob, type: string): Promise<number> {
  if (!['image/gif', 'image/webp', 'image/png', 'image/apng'].includes(type) || typeof ImageDecoder === 'undefined') return 1;
  try {
    if (!(await ImageDecoder.isTypeSupported(type))) return 1;
    const decoder = new ImageDecoder({ data: file.stream(), type });
    // close() rejects `completed` (AbortError) while data is still unread; Firefox reports that as uncaught.
    decoder.completed.catch(() => {});
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
