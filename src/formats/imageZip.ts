/**
 * A .zip of images for the trust report, read through the one zip reader (zip.ts): stored and
 * deflate entries, inflated one at a time with the platform's DecompressionStream. Zip bombs are
 * refused before anything is inflated (entry count, declared sizes, compression ratio), and an
 * entry that inflates past the size it declares is cut off.
 */
import { blobByteSource } from './byteSource';
import { COMPRESSION_NAMES, openZip, type ZipArchive, type ZipEntry } from './zip';

/** Most entries a zip may hold. */
export const MAX_ZIP_ENTRIES = 100_000;
/** Most bytes all entries may inflate to together. */
export const MAX_ZIP_INFLATED_BYTES = 4 * 1024 ** 3;
/** Most bytes one entry may inflate to (an image far larger than any model needs). */
export const MAX_ZIP_ENTRY_BYTES = 256 * 1024 ** 2;
/** Images are compressed already: a larger ratio than this on a sizeable entry is a bomb. */
export const MAX_ZIP_RATIO = 200;

const STORED = 0;
const DEFLATE = 8;

export class ImageZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageZipError';
  }
}

/** A file inside the zip: its path, and its bytes inflated when asked. */
export interface ZipImageEntry {
  path: string;
  size: number;
  read(): Promise<Blob>;
}

export interface ImageZip {
  files: ZipImageEntry[];
  /** Folder paths that hold no file. */
  emptyFolders: string[];
}

export async function openImageZip(file: Blob, name: string): Promise<ImageZip> {
  let archive: ZipArchive;
  try {
    archive = await openZip(blobByteSource(file, name));
  } catch (e) {
    throw new ImageZipError(`“${name}” cannot be read as a zip: ${e instanceof Error ? e.message : String(e)}`);
  }
  const entries = [...archive.entries.values()];
  if (entries.length > MAX_ZIP_ENTRIES)
    throw new ImageZipError(`“${name}” holds ${entries.length.toLocaleString('en')} entries; at most ${MAX_ZIP_ENTRIES.toLocaleString('en')} are read.`);
  const files = entries.filter((e) => !e.name.endsWith('/'));
  checkSizes(files, name);
  const folders = new Set(entries.filter((e) => e.name.endsWith('/')).map((e) => e.name.slice(0, -1)));
  for (const f of files) for (let at = f.name.lastIndexOf('/'); at > 0; at = f.name.lastIndexOf('/', at - 1)) folders.delete(f.name.slice(0, at));
  return {
    files: files.map((entry) => ({ path: entry.name, size: entry.uncompressedSize, read: () => readEntry(archive, entry, name) })),
    emptyFolders: [...folders].sort(),
  };
}

function checkSizes(files: ZipEntry[], name: string): void {
  let total = 0;
  for (const e of files) {
    total += e.uncompressedSize;
    if (e.uncompressedSize > MAX_ZIP_ENTRY_BYTES)
      throw new ImageZipError(
        `“${name}” looks like a zip bomb: “${e.name}” would inflate to ${mib(e.uncompressedSize)}; at most ${mib(MAX_ZIP_ENTRY_BYTES)} per file are read.`,
      );
    if (e.uncompressedSize > 1024 ** 2 && e.uncompressedSize > MAX_ZIP_RATIO * Math.max(1, e.compressedSize))
      throw new ImageZipError(
        `“${name}” looks like a zip bomb: “${e.name}” would inflate ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}-fold to ${mib(e.uncompressedSize)}; images do not compress like that.`,
      );
  }
  if (total > MAX_ZIP_INFLATED_BYTES)
    throw new ImageZipError(
      `“${name}” looks like a zip bomb: its files would inflate to ${mib(total)} in all; at most ${mib(MAX_ZIP_INFLATED_BYTES)} are read.`,
    );
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 2 : 0)} MiB`;

async function readEntry(archive: ZipArchive, entry: ZipEntry, zipName: string): Promise<Blob> {
  const where = `“${entry.name}” in “${zipName}”`;
  if (entry.encrypted) throw new ImageZipError(`${where} is encrypted.`);
  if (entry.method !== STORED && entry.method !== DEFLATE)
    throw new ImageZipError(
      `${where} is compressed with ${COMPRESSION_NAMES[entry.method] ?? `method ${entry.method}`}; only stored and deflate entries are read.`,
    );
  const raw = await archive.readEntry(entry);
  const bytes = entry.method === STORED ? raw : await inflate(raw, entry.uncompressedSize, where);
  if (bytes.length !== entry.uncompressedSize) throw new ImageZipError(`${where} holds ${bytes.length} bytes but declares ${entry.uncompressedSize}.`);
  return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}

/** Inflates, stopping as soon as the output passes what the entry declared. */
async function inflate(raw: Uint8Array, declared: number, where: string): Promise<Uint8Array> {
  const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const out = new Uint8Array(declared);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > declared) throw new ImageZipError(`${where} inflates past the ${declared} bytes it declares: a zip bomb or a damaged zip.`);
      out.set(value, length);
      length += value.length;
    }
  } catch (e) {
    if (e instanceof ImageZipError) throw e;
    throw new ImageZipError(`${where} cannot be inflated: its deflate data is damaged.`);
  } finally {
    // Stops inflating what is left when the entry was cut off.
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, length);
}
