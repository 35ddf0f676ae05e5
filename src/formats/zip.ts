/**
 * Just enough of ZIP to read torch.save archives from a ByteSource: the central directory is read
 * once, entry data is read only when asked. Handles zip64 records and extra fields.
 */
import type { ByteSource } from './byteSource';
import { CheckpointError } from './checkpointError';
import { clipName } from './describeValue';

const LOCAL_HEADER_SIG = 0x04034b50;
const CENTRAL_HEADER_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const END_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END_SIZE = 56;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;

export const COMPRESSION_NAMES: Record<number, string> = {
  8: 'deflate',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstandard',
  95: 'xz',
};

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored; anything else is compressed. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** File offset of the entry's first data byte (reads its local header once). */
  dataOffset(entry: ZipEntry): Promise<number>;
  /** The whole (stored) entry. */
  readEntry(entry: ZipEntry): Promise<Uint8Array>;
}

const utf8 = new TextDecoder('utf-8');

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function badZip(src: ByteSource, message: string): CheckpointError {
  return new CheckpointError('bad-zip', `${src.name}: ${message}`);
}

/** Reads a little-endian uint64 as a number, refusing values past 2^53. */
function u64(view: DataView, offset: number, src: ByteSource): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw badZip(src, `a zip64 field holds ${value}, beyond any real file`);
  return Number(value);
}

interface Directory {
  entryCount: number;
  size: number;
  offset: number;
  /** Where the directory must end: the first end record. */
  limit: number;
}

/** Where the end record starts in `tail` (it must end exactly where its comment ends), or -1. */
function findEndRecord(tail: Uint8Array): number {
  const view = dataView(tail);
  for (let i = tail.length - END_SIZE; i >= 0; i--) {
    if (view.getUint32(i, true) === END_SIG && i + END_SIZE + view.getUint16(i + 20, true) === tail.length) return i;
  }
  return -1;
}

/** Finds the end-of-central-directory record (and its zip64 twin when present). */
async function findDirectory(src: ByteSource): Promise<Directory> {
  // torch writes no archive comment, so a short tail almost always holds the end records.
  let tail: Uint8Array = new Uint8Array(0);
  let tailStart = src.size;
  let endPos = -1;
  for (const wanted of [1024, END_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE]) {
    const tailLength = Math.min(src.size, wanted);
    if (tailLength <= tail.length) break;
    tailStart = src.size - tailLength;
    tail = await src.read(tailStart, tailLength);
    endPos = findEndRecord(tail);
    // Keep the zip64 locator (20 bytes before the end record) inside the tail too.
    if (endPos >= ZIP64_LOCATOR_SIZE || (endPos >= 0 && tailStart === 0)) break;
  }
  if (endPos < 0) {
    throw new CheckpointError(
      'truncated',
      `${src.name} is truncated: the zip central directory is missing (file ends at byte ${src.size}). ` +
        'A torch.save zip checkpoint ends with it; the download or copy probably stopped early.',
    );
  }
  const view = dataView(tail);
  const dir: Directory = {
    entryCount: view.getUint16(endPos + 10, true),
    size: view.getUint32(endPos + 12, true),
    offset: view.getUint32(endPos + 16, true),
    limit: tailStart + endPos,
  };
  const locatorPos = endPos - ZIP64_LOCATOR_SIZE;
  if (locatorPos >= 0 && view.getUint32(locatorPos, true) === ZIP64_LOCATOR_SIG) {
    const zip64EndOffset = u64(view, locatorPos + 8, src);
    if (zip64EndOffset + ZIP64_END_SIZE > tailStart + locatorPos) throw badZip(src, 'the zip64 end record points past itself');
    const record = dataView(await src.read(zip64EndOffset, ZIP64_END_SIZE));
    if (record.getUint32(0, true) !== ZIP64_END_SIG) throw badZip(src, 'the zip64 end record is missing');
    dir.entryCount = u64(record, 32, src);
    dir.size = u64(record, 40, src);
    dir.offset = u64(record, 48, src);
    dir.limit = zip64EndOffset;
  }
  if (dir.offset + dir.size > dir.limit) {
    throw badZip(src, `the central directory (${dir.size} bytes at ${dir.offset}) overlaps its end record at ${dir.limit}`);
  }
  if (dir.entryCount * CENTRAL_HEADER_SIZE > dir.size) {
    throw badZip(src, `the central directory claims ${dir.entryCount} entries but has room for fewer`);
  }
  return dir;
}

/** Fields that overflowed 32 bits live, in this order, in the zip64 extra field. */
function applyZip64Extra(extra: DataView, sizes: { uncompressed: number; compressed: number; offset: number }, src: ByteSource, name: string): void {
  let pos = 0;
  while (pos + 4 <= extra.byteLength) {
    const id = extra.getUint16(pos, true);
    const length = extra.getUint16(pos + 2, true);
    const body = pos + 4;
    if (body + length > extra.byteLength) throw badZip(src, `entry ${name} has a malformed extra field`);
    if (id === ZIP64_EXTRA_ID) {
      let field = body;
      for (const key of ['uncompressed', 'compressed', 'offset'] as const) {
        if (sizes[key] !== 0xffffffff) continue;
        if (field + 8 > body + length) throw badZip(src, `entry ${name} has a short zip64 extra field`);
        sizes[key] = u64(extra, field, src);
        field += 8;
      }
      return;
    }
    pos = body + length;
  }
  if (sizes.uncompressed === 0xffffffff || sizes.compressed === 0xffffffff || sizes.offset === 0xffffffff) {
    throw badZip(src, `entry ${name} needs a zip64 extra field but has none`);
  }
}

export async function openZip(src: ByteSource): Promise<ZipArchive> {
  const dir = await findDirectory(src);
  const bytes = await src.read(dir.offset, dir.size);
  const view = dataView(bytes);
  const entries = new Map<string, ZipEntry>();
  let pos = 0;
  for (let i = 0; i < dir.entryCount; i++) {
    if (pos + CENTRAL_HEADER_SIZE > bytes.length || view.getUint32(pos, true) !== CENTRAL_HEADER_SIG) {
      throw badZip(src, `central directory entry ${i} is malformed`);
    }
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    const next = pos + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw badZip(src, `central directory entry ${i} runs past the directory`);
    const name = utf8.decode(bytes.subarray(pos + CENTRAL_HEADER_SIZE, pos + CENTRAL_HEADER_SIZE + nameLength));
    const shown = clipName(name);
    const sizes = {
      compressed: view.getUint32(pos + 20, true),
      uncompressed: view.getUint32(pos + 24, true),
      offset: view.getUint32(pos + 42, true),
    };
    const extraStart = pos + CENTRAL_HEADER_SIZE + nameLength;
    applyZip64Extra(new DataView(bytes.buffer, bytes.byteOffset + extraStart, extraLength), sizes, src, shown);
    if (sizes.offset + LOCAL_HEADER_SIZE + sizes.compressed > dir.offset) {
      throw badZip(src, `entry ${shown} (${sizes.compressed} bytes at ${sizes.offset}) overlaps the central directory`);
    }
    // torch.load reads the first of two same-named entries, a Map would keep the last: refuse to pick one.
    if (entries.has(name)) {
      throw badZip(src, `the archive has two entries named ${shown}; torch.load reads the first, other tools the last, so GC Lens refuses it`);
    }
    entries.set(name, {
      name,
      method: view.getUint16(pos + 10, true),
      compressedSize: sizes.compressed,
      uncompressedSize: sizes.uncompressed,
      localHeaderOffset: sizes.offset,
      encrypted: (view.getUint16(pos + 8, true) & 1) !== 0,
    });
    pos = next;
  }

  const dataOffsets = new Map<ZipEntry, Promise<number>>();
  const locate = async (entry: ZipEntry): Promise<number> => {
    const header = dataView(await src.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE));
    if (header.getUint32(0, true) !== LOCAL_HEADER_SIG) throw badZip(src, `entry ${clipName(entry.name)} has no local header`);
    // The local extra field differs from the central one (torch pads it to align data to 64 bytes).
    const start = entry.localHeaderOffset + LOCAL_HEADER_SIZE + header.getUint16(26, true) + header.getUint16(28, true);
    if (start + entry.compressedSize > dir.offset) throw badZip(src, `entry ${clipName(entry.name)} runs into the central directory`);
    return start;
  };
  const archive: ZipArchive = {
    entries,
    dataOffset(entry) {
      let offset = dataOffsets.get(entry);
      if (!offset) {
        offset = locate(entry);
        dataOffsets.set(entry, offset);
      }
      return offset;
    },
    async readEntry(entry) {
      return src.read(await archive.dataOffset(entry), entry.compressedSize);
    },
  };
  return archive;
}
