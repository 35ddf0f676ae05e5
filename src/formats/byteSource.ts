/** Random access to the bytes of a file, so large checkpoints stream instead of loading whole. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A Blob or File (browser, worker) as a ByteSource: reads go through Blob.slice. */
export function blobByteSource(blob: Blob, name = 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(offset, length, blob.size, name);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** Bytes already in memory (tests, small files). */
export function memoryByteSource(bytes: Uint8Array, name = 'memory'): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length) {
      checkRange(offset, length, bytes.length, name);
      return bytes.subarray(offset, offset + length);
    },
  };
}

export class TruncatedFileError extends Error {
  constructor(name: string, offset: number, length: number, size: number) {
    super(`${name} is truncated: needed bytes ${offset}..${offset + length} but the file has ${size}`);
    this.name = 'TruncatedFileError';
  }
}

export function checkRange(offset: number, length: number, size: number, name: string): void {
  if (offset < 0 || length < 0 || offset + length > size) throw new TruncatedFileError(name, offset, length, size);
}
