/**
 * torch.save's zip format (PyTorch >= 1.6): `<prefix>/data.pkl` is the pickle, each storage is the
 * stored (uncompressed) entry `<prefix>/data/<key>`.
 */
import type { ByteSource } from './byteSource';
import { CheckpointError } from './checkpointError';
import { clipName, listSome } from './describeValue';
import { ElementBudget } from './limits';
import { DEFAULT_LIMITS, MAX_PICKLE_BYTES, PickleNeedsMoreBytes, type PyValue, unpickle } from './pickle';
import { parseStoragePid, torchUnpickleHooks } from './torchPickle';
import { ITEM_SIZE, type StorageRef } from './torchTensor';
import { COMPRESSION_NAMES, openZip, type ZipArchive, type ZipEntry } from './zip';

function requireStored(src: ByteSource, entry: ZipEntry): void {
  if (entry.encrypted) throw new CheckpointError('unsupported', `${src.name}: zip entry ${clipName(entry.name)} is encrypted`);
  if (entry.method !== 0) {
    const method = COMPRESSION_NAMES[entry.method] ?? 'unknown';
    throw new CheckpointError(
      'unsupported-compression',
      `${src.name}: zip entry ${clipName(entry.name)} is compressed (method ${entry.method}, ${method}); torch.save stores ` +
        'every entry uncompressed, so the file was re-packed by another tool. Re-save it with torch.save or re-zip it with `zip -0`.',
    );
  }
  if (entry.compressedSize !== entry.uncompressedSize) {
    throw new CheckpointError('bad-zip', `${src.name}: stored zip entry ${clipName(entry.name)} has two different sizes`);
  }
}

function findPickleEntry(src: ByteSource, archive: ZipArchive): { prefix: string; entry: ZipEntry } {
  for (const [name, entry] of archive.entries) {
    const match = /^([^/]+)\/data\.pkl$/.exec(name);
    if (match) return { prefix: match[1], entry };
  }
  const names = listSome(archive.entries.keys(), archive.entries.size, 5);
  throw new CheckpointError(
    'not-a-checkpoint',
    `${src.name} is a zip archive but not a PyTorch checkpoint: it has no <name>/data.pkl entry (entries: ${names || 'none'})`,
  );
}

export async function readZipCheckpoint(src: ByteSource, budget = new ElementBudget(src.size, src.name)): Promise<PyValue> {
  const archive = await openZip(src);
  const { prefix, entry: pickleEntry } = findPickleEntry(src, archive);
  requireStored(src, pickleEntry);

  const byteorder = archive.entries.get(`${prefix}/byteorder`);
  if (byteorder) {
    requireStored(src, byteorder);
    const order = new TextDecoder().decode(await archive.readEntry(byteorder)).trim();
    if (order !== 'little') throw new CheckpointError('unsupported', `${src.name} stores ${JSON.stringify(order.slice(0, 20))}-endian data`);
  }

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const { storageType, key, numel } = parseStoragePid(pid);
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== storageType.dtype) throw new CheckpointError('bad-storage', `storage ${key} is used with two dtypes`);
      return known;
    }
    const entry = archive.entries.get(`${prefix}/data/${key}`);
    if (!entry) throw new CheckpointError('bad-storage', `${src.name}: storage ${key} is missing (no entry ${prefix}/data/${key})`);
    requireStored(src, entry);
    const bytesNeeded = numel * ITEM_SIZE[storageType.dtype];
    if (entry.uncompressedSize < bytesNeeded) {
      throw new CheckpointError(
        'bad-storage',
        `${src.name}: storage ${key} should hold ${numel} ${storageType.dtype} elements (${bytesNeeded} bytes) ` +
          `but its entry has ${entry.uncompressedSize} bytes`,
      );
    }
    const storage: StorageRef = {
      kind: 'storage',
      key,
      dtype: storageType.dtype,
      numel,
      locate: () => archive.dataOffset(entry),
    };
    storages.set(key, storage);
    return storage;
  };

  const label = `${src.name}: ${clipName(pickleEntry.name)}`;
  if (pickleEntry.uncompressedSize > MAX_PICKLE_BYTES) {
    throw new CheckpointError('bad-pickle', `${label} is ${pickleEntry.uncompressedSize} bytes, longer than 64 MiB`);
  }
  const pickle = await archive.readEntry(pickleEntry);
  try {
    const limits = { ...DEFAULT_LIMITS, maxLength: pickle.length };
    return unpickle(pickle, 0, torchUnpickleHooks(src, budget, persistentLoad), limits, label).value;
  } catch (error) {
    if (error instanceof PickleNeedsMoreBytes) {
      throw new CheckpointError('bad-pickle', `${label} ends before its STOP opcode (it has ${pickle.length} bytes)`);
    }
    throw error;
  }
}
