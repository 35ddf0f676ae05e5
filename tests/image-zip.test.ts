import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageZipError, MAX_ZIP_ENTRY_BYTES, openImageZip } from '../src/formats/imageZip';
import { writeZip } from './helpers/zipWriter';

const blob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('zip of images', () => {
  it('reads stored and deflate entries exactly, and names folders that hold nothing', async () => {
    const a = bytes(5000, 1);
    const b = bytes(300, 2);
    const zip = await openImageZip(
      blob(
        writeZip([
          { name: 'set/3/a.png', data: a },
          { name: 'set/7/b.png', data: b, stored: true },
          { name: 'set/empty/', data: new Uint8Array() },
        ]),
      ),
      'set.zip',
    );
    expect(zip.files.map((f) => f.path)).toEqual(['set/3/a.png', 'set/7/b.png']);
    expect(new Uint8Array(await (await zip.files[0].read()).arrayBuffer())).toEqual(a);
    expect(new Uint8Array(await (await zip.files[1].read()).arrayBuffer())).toEqual(b);
    expect(zip.emptyFolders).toEqual(['set/empty']);
  });

  it('refuses a file that is not a zip, with its name', async () => {
    await expect(openImageZip(blob(bytes(100, 3)), 'photo.zip')).rejects.toThrow(/“photo.zip” cannot be read as a zip/);
  });

  it('refuses a bomb by its declared sizes before inflating anything', async () => {
    const zeros = new Uint8Array(64 * 1024 ** 2);
    const deflated = deflateRawSync(zeros);
    const bomb = writeZip(Array.from({ length: 3 }, (_, i) => ({ name: `z${i}.png`, data: zeros, deflated })));
    await expect(openImageZip(blob(bomb), 'bomb.zip')).rejects.toThrow(/“bomb.zip” looks like a zip bomb: “z0.png” would inflate \d+-fold to 64 MiB/);
    const huge = writeZip([{ name: 'big.png', data: new Uint8Array(10), declaredSize: MAX_ZIP_ENTRY_BYTES + 1 }]);
    await expect(openImageZip(blob(huge), 'huge.zip')).rejects.toThrow(ImageZipError);
  });

  it('cuts off an entry that inflates past what it declares', async () => {
    const data = new Uint8Array(200_000);
    const liar = writeZip([{ name: 'small.png', data, declaredSize: 1000 }]);
    const zip = await openImageZip(blob(liar), 'liar.zip');
    await expect(zip.files[0].read()).rejects.toThrow(/“small.png” in “liar.zip” inflates past the 1000 bytes it declares/);
  });
});
