/**
 * torch.save's legacy format (PyTorch < 1.6, or `_use_new_zipfile_serialization=False`): pickles
 * back to back — magic number, protocol version, sys_info, the main pickle, the list of storage
 * keys — then each storage in that order as an int64 element count and its raw bytes.
 */
import type { ByteSource } from './byteSource';
import { CheckpointError } from './checkpointError';
import { describeValue } from './describeValue';
import { ElementBudget } from './limits';
import { DEFAULT_LIMITS, MAX_PICKLE_BYTES, PickleNeedsMoreBytes, type PyValue, type UnpickleHooks, unpickle } from './pickle';
import { parseStoragePid, torchUnpickleHooks } from './torchPickle';
import { ITEM_SIZE, type StorageRef, type TorchDtype } from './torchTensor';

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
const FIRST_READ = 64 * 1024;

/** The file's head, read in growing chunks until the pickles in it are complete. */
class GrowingPrefix {
  bytes = new Uint8Array(0);

  constructor(private readonly src: ByteSource) {}

  async growTo(neededEnd: number, what: string): Promise<void> {
    if (neededEnd > this.src.size) {
      throw new CheckpointError(
        'truncated',
        `${this.src.name}: legacy checkpoint is truncated: its ${what} needs bytes up to ${neededEnd} but the file ends at byte ${this.src.size}`,
      );
    }
    if (neededEnd > MAX_PICKLE_BYTES) throw new CheckpointError('bad-pickle', `${this.src.name}: the ${what} is longer than 64 MiB`);
    const end = Math.min(this.src.size, Math.max(neededEnd, Math.min(this.bytes.length * 2, MAX_PICKLE_BYTES), FIRST_READ));
    const more = await this.src.read(this.bytes.length, end - this.bytes.length);
    const grown = new Uint8Array(end);
    grown.set(this.bytes);
    grown.set(more, this.bytes.length);
    this.bytes = grown;
  }
}

interface LegacyStorage {
  readonly key: string;
  readonly dtype: TorchDtype;
  readonly numel: number;
  /** File offset of element 0, found by the storage scan. */
  offset: number;
}

export async function readLegacyCheckpoint(src: ByteSource, budget = new ElementBudget(src.size, src.name)): Promise<PyValue> {
  const prefix = new GrowingPrefix(src);
  let pos = 0;
  const limits = { ...DEFAULT_LIMITS, maxLength: src.size };
  const dataOnly = torchUnpickleHooks(src, budget, () => {
    throw new CheckpointError('bad-pickle', 'a persistent id outside the main pickle');
  });

  const nextPickle = async (hooks: UnpickleHooks, what: string): Promise<PyValue> => {
    for (;;) {
      try {
        const { value, end } = unpickle(prefix.bytes, pos, hooks, limits, `${src.name}: ${what}`);
        pos = end;
        return value;
      } catch (error) {
        if (!(error instanceof PickleNeedsMoreBytes)) throw error;
        await prefix.growTo(error.neededEnd, what);
      }
    }
  };

  let magic: PyValue;
  try {
    magic = await nextPickle(dataOnly, 'magic number');
  } catch (error) {
    // A forbidden global or a file cut short is the real story, not "not a checkpoint".
    if (error instanceof CheckpointError && (error.code === 'forbidden-global' || error.code === 'truncated')) throw error;
    throw notLegacy(src, `it starts with byte 0x80 like a pickle, but not a readable one (${(error as Error).message})`);
  }
  if (magic !== LEGACY_MAGIC) throw notLegacy(src, 'it is a pickle, but does not start with the torch.save magic number');
  const protocol = await nextPickle(dataOnly, 'protocol version');
  if (protocol !== LEGACY_PROTOCOL) {
    throw new CheckpointError('unsupported', `${src.name}: legacy protocol version ${describeValue(protocol)} (expected ${LEGACY_PROTOCOL})`);
  }
  const sysInfo = await nextPickle(dataOnly, 'sys_info');
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) {
    throw new CheckpointError('unsupported', `${src.name} was written on a big-endian machine`);
  }

  const storages = new Map<string, LegacyStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const { storageType, key, numel, rest } = parseStoragePid(pid);
    let root = storages.get(key);
    if (!root) {
      root = { key, dtype: storageType.dtype, numel, offset: -1 };
      storages.set(key, root);
    } else if (root.dtype !== storageType.dtype || root.numel !== numel) {
      throw new CheckpointError('bad-storage', `${src.name}: storage ${key} is described two different ways`);
    }
    return storageView(src, root, rest[0] ?? null);
  };
  const root = await nextPickle(torchUnpickleHooks(src, budget, persistentLoad), 'main pickle');
  const keys = await nextPickle(dataOnly, 'storage key list');
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
    throw new CheckpointError('bad-pickle', `${src.name}: the storage key list is not a list of strings`);
  }
  await scanStorages(src, prefix.bytes, pos, keys as string[], storages);
  return root;
}

function notLegacy(src: ByteSource, why: string): CheckpointError {
  return new CheckpointError('not-a-checkpoint', `${src.name} is not a PyTorch checkpoint: ${why}`);
}

/** Pre-1.0 checkpoints can hold views of storages: (view_key, element offset, element count). */
function storageView(src: ByteSource, root: LegacyStorage, viewMetadata: PyValue): StorageRef {
  const itemSize = ITEM_SIZE[root.dtype];
  const locate = async (elementOffset: number) => {
    if (root.offset < 0) throw new CheckpointError('bad-storage', `${src.name}: storage ${root.key} has no data`);
    return root.offset + elementOffset * itemSize;
  };
  if (viewMetadata === null) return { kind: 'storage', key: root.key, dtype: root.dtype, numel: root.numel, locate: () => locate(0) };
  const [viewKey, offset, size] = Array.isArray(viewMetadata) ? viewMetadata : [];
  if (
    typeof viewKey !== 'string' ||
    typeof offset !== 'number' ||
    typeof size !== 'number' ||
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(size) ||
    offset < 0 ||
    size < 0 ||
    offset + size > root.numel
  ) {
    throw new CheckpointError('bad-storage', `${src.name}: storage ${root.key} has a bad view`);
  }
  return { kind: 'storage', key: viewKey, dtype: root.dtype, numel: size, locate: () => locate(offset) };
}

/** Header reads kept in flight at once while confirming storage counts. */
const HEADER_READS_IN_FLIGHT = 64;

/**
 * Finds every storage's data without reading it. The pickle gives each storage's size, so the
 * offsets (and any truncation) follow from the key order alone; the 8-byte element counts in
 * the file are then read, many at a time, to confirm them.
 */
async function scanStorages(src: ByteSource, head: Uint8Array, start: number, keys: string[], storages: Map<string, LegacyStorage>): Promise<void> {
  const headers: Array<{ storage: LegacyStorage; at: number; describe: () => string }> = [];
  let pos = start;
  for (let i = 0; i < keys.length; i++) {
    const storage = storages.get(keys[i]);
    if (!storage) {
      throw new CheckpointError('bad-storage', `${src.name}: storage ${keys[i]} is listed but no tensor uses it, so its size is unknown`);
    }
    const bytes = storage.numel * ITEM_SIZE[storage.dtype];
    const describe = () => `storage ${i + 1} of ${keys.length} (key ${storage.key}, ${storage.numel} ${storage.dtype} elements)`;
    if (pos + 8 > src.size) {
      throw new CheckpointError(
        'truncated',
        `${src.name}: legacy checkpoint is truncated: ${describe()} needs its 8-byte header at byte ${pos}, but the file ends at byte ${src.size}`,
      );
    }
    const dataEnd = pos + 8 + bytes;
    if (dataEnd > src.size) {
      throw new CheckpointError(
        'truncated',
        `${src.name}: legacy checkpoint is truncated: ${describe()} needs ${bytes} bytes at ${pos + 8}..${dataEnd}, but the file ends at byte ${src.size}`,
      );
    }
    headers.push({ storage, at: pos, describe });
    pos = dataEnd;
  }
  const listed = new Set(keys);
  for (const storage of storages.values()) {
    if (!listed.has(storage.key)) throw new CheckpointError('bad-storage', `${src.name}: storage ${storage.key} is used but not in the file`);
  }

  const confirm = async ({ storage, at, describe }: (typeof headers)[number]) => {
    // Counts of small storages often sit in bytes already read with the pickles.
    const header = at + 8 <= head.length ? head.subarray(at, at + 8) : await src.read(at, 8);
    const count = new DataView(header.buffer, header.byteOffset, 8).getBigInt64(0, true);
    if (count !== BigInt(storage.numel)) {
      throw new CheckpointError('bad-storage', `${src.name}: ${describe()} has a header saying ${count} elements`);
    }
    storage.offset = at + 8;
  };
  for (let i = 0; i < headers.length; i += HEADER_READS_IN_FLIGHT) {
    await Promise.all(headers.slice(i, i + HEADER_READS_IN_FLIGHT).map(confirm));
  }
}
