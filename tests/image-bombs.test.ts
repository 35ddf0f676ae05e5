import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bytesReader, ImageSizeError, readImageHeader } from '../src/formats/imageHeader';
import { decodeImage } from '../src/worker/decodeImage';
import { decodeImageBytes } from '../tools/lib/decodeImage';
import { convertFixture } from './helpers/convertFixture';
import { pngBomb } from './helpers/corpus';
import { tempDir } from './helpers/fixtures';

const run = promisify(execFile);

/** A JPEG whose frame header, behind an EXIF-sized APP1 segment, claims width × height. */
function jpegBomb(width: number, height: number): Buffer {
  const app1 = Buffer.alloc(4 + 30000);
  app1.set([0xff, 0xe1]);
  app1.writeUInt16BE(2 + 30000, 2);
  const sof = Buffer.from([0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof, Buffer.from([0xff, 0xd9])]);
}

function realPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(200);
  return PNG.sync.write(png);
}

describe('image headers', () => {
  it('reads PNG, JPEG (past an APP1 segment and fill bytes), GIF, WebP and BMP dimensions', async () => {
    const header = (b: Uint8Array) => readImageHeader(bytesReader(b));
    expect(await header(pngBomb(30000, 20000))).toEqual({ format: 'png', width: 30000, height: 20000 });
    expect(await header(jpegBomb(65535, 3))).toEqual({ format: 'jpeg', width: 65535, height: 3 });
    const real = jpeg.encode({ width: 37, height: 5, data: Buffer.alloc(37 * 5 * 4, 128) }, 90).data;
    expect(await header(real)).toEqual({ format: 'jpeg', width: 37, height: 5 });
    const filled = Buffer.concat([real.subarray(0, 2), Buffer.from([0xff, 0xff]), real.subarray(2)]);
    expect(await header(filled)).toEqual({ format: 'jpeg', width: 37, height: 5 });
    const gif = Buffer.from('GIF89a\x10\x27\x01\x00\x00\x00\x00', 'latin1');
    expect(await header(gif)).toEqual({ format: 'gif', width: 10000, height: 1 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(29999, 24, 3);
    webp.writeUIntLE(0, 27, 3);
    expect(await header(webp)).toEqual({ format: 'webp', width: 30000, height: 1 });
    const bmp = Buffer.alloc(26);
    bmp.write('BM', 0, 'latin1');
    bmp.writeInt32LE(4000, 18);
    bmp.writeInt32LE(-3000, 22);
    expect(await header(bmp)).toEqual({ format: 'bmp', width: 4000, height: 3000 });
    expect(await header(Buffer.from('hello, world, this is text'))).toBeNull();
    expect(await header(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeNull();
  });
});

describe('Node image decoding refuses bombs from the header', () => {
  it('refuses a 178-byte-class PNG that claims 30000×30000 pixels', async () => {
    const bomb = pngBomb(30000, 30000);
    expect(bomb.length).toBeLessThan(200);
    await expect(decodeImageBytes(bomb, 'bomb.png')).rejects.toThrow(
      new ImageSizeError('bomb.png is 30000×30000 pixels (900 MP); GC Lens accepts at most 40 MP'),
    );
  });

  it('refuses a 12000×12000 PNG (144 MP)', async () => {
    await expect(decodeImageBytes(pngBomb(12000, 12000), 'big.png')).rejects.toThrow(
      new ImageSizeError('big.png is 12000×12000 pixels (144 MP); GC Lens accepts at most 40 MP'),
    );
  });

  it('refuses a real 1×100,000 strip PNG by its aspect ratio', async () => {
    await expect(decodeImageBytes(pngBomb(1, 100000, 100000), 'strip.png')).rejects.toThrow(
      new ImageSizeError('strip.png is 1×100000 pixels (aspect ratio 100000:1); GC Lens accepts at most 20:1'),
    );
  });

  it('refuses a strip JPEG behind an APP1 segment, and a JPEG with no frame', async () => {
    await expect(decodeImageBytes(jpegBomb(65535, 8), 'strip.jpg')).rejects.toThrow(
      new ImageSizeError('strip.jpg is 65535×8 pixels (aspect ratio 8192:1); GC Lens accepts at most 20:1'),
    );
    await expect(decodeImageBytes(jpegBomb(9000, 9000), 'big.jpg')).rejects.toThrow(
      new ImageSizeError('big.jpg is 9000×9000 pixels (81 MP); GC Lens accepts at most 40 MP'),
    );
    await expect(decodeImageBytes(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'empty.jpg')).rejects.toThrow(
      new Error('empty.jpg is a JPEG without a frame header: it is damaged or cut short'),
    );
  });

  it('still decodes ordinary images, including a 20:1 panorama', async () => {
    const img = await decodeImageBytes(realPng(400, 20), 'pano.png');
    expect([img.width, img.height, img.data.length]).toEqual([400, 20, 400 * 20 * 4]);
    const photo = jpeg.encode({ width: 64, height: 48, data: Buffer.alloc(64 * 48 * 4, 90) }, 90).data;
    const decoded = await decodeImageBytes(photo, 'photo.jpg');
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
  });

  it('names a damaged PNG rather than passing on a bare decoder error', async () => {
    const cut = realPng(40, 40).subarray(0, 60);
    await expect(decodeImageBytes(cut, 'cut.png')).rejects.toThrow(/^cut\.png could not be decoded as a PNG: /);
  });
});

describe('browser decoding refuses bombs before the browser decodes them', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('checks the header bytes of the Blob, and the bitmap size of formats it cannot read', async () => {
    const decode = vi.fn(async () => {
      throw new Error('the browser decoder must not be reached');
    });
    vi.stubGlobal('createImageBitmap', decode);
    const blob = (b: Uint8Array, type: string) => new Blob([new Uint8Array(b)], { type });
    await expect(decodeImage(blob(pngBomb(30000, 30000), 'image/png'), 'bomb.png', 256)).rejects.toThrow(
      new ImageSizeError('“bomb.png” is 30000×30000 pixels (900 MP); GC Lens accepts at most 128 MP'),
    );
    await expect(decodeImage(blob(jpegBomb(100000 & 0xffff, 1), 'image/jpeg'), 'strip.jpg', 256)).rejects.toThrow(
      new ImageSizeError('“strip.jpg” is 34464×1 pixels (aspect ratio 34464:1); GC Lens accepts at most 20:1'),
    );
    expect(decode).not.toHaveBeenCalled();
    // An AVIF's header is not read: its decoded size is checked before anything is drawn.
    const closed = vi.fn();
    vi.stubGlobal('createImageBitmap', async () => ({ width: 1, height: 100000, close: closed }));
    await expect(decodeImage(blob(Buffer.from('....ftypavif'), 'image/avif'), 'strip.avif', 256)).rejects.toThrow(
      new ImageSizeError('“strip.avif” is 1×100000 pixels (aspect ratio 100000:1); GC Lens accepts at most 20:1'),
    );
    expect(closed).toHaveBeenCalledOnce();
  });
});

describe('npm run infer on an image bomb', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = (await convertFixture('mini_gc.legacy.pt')).dir;
  });

  it('exits non-zero with the one-line limit, within a 1.5 GB heap', async () => {
    const dir = await tempDir('gc-bomb-');
    const path = join(dir, 'bomb.png');
    await writeFile(path, pngBomb(30000, 30000));
    const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
    const args = [join(import.meta.dirname, '..', 'tools', 'infer.ts'), modelDir, path, '--out', join(dir, 'out'), '--backend', 'cpu'];
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=1500' };
    const failed = await run(tsx, args, { env, timeout: 60_000 }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim().split('\n').at(-1)).toMatch(/bomb\.png is 30000×30000 pixels \(900 MP\); GC Lens accepts at most 40 MP$/);
  });
});

describe('Node decoding at the pixel limit', () => {
  it('keeps a JPEG that declares just under 40 MP below 1.5 GB at peak', async () => {
    const dir = await tempDir('gc-bomb-');
    const path = join(dir, 'limit.jpg');
    await writeFile(path, jpegBomb(6300, 6300));
    const script = [
      `import { decodeImageFile } from ${JSON.stringify(join(import.meta.dirname, '..', 'tools', 'lib', 'decodeImage.ts'))};`,
      `const outcome = await decodeImageFile(${JSON.stringify(path)}).then(() => 'decoded', (e) => e.message);`,
      'console.log(JSON.stringify({ outcome, peakMiB: process.resourceUsage().maxRSS / 1024 }));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
    const { outcome, peakMiB } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(outcome).toMatch(/limit\.jpg could not be decoded as a JPEG/);
    expect(peakMiB).toBeLessThan(1536);
  });
});
