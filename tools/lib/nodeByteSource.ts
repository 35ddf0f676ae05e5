import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { type ByteSource, checkRange } from '../../src/formats/byteSource';

/** A file on disk as a ByteSource (Node only). Call close() when done. */
export async function fileByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  const name = basename(path);
  return {
    name,
    size,
    async read(offset, length) {
      checkRange(offset, length, size, name);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
