/** Converts a checkpoint file into the package store, and says in words why a conversion failed. */
import { blobByteSource } from '../formats/byteSource';
import { CheckpointError, type CheckpointErrorCode } from '../formats/checkpointError';
import { ArchitectureError } from '../formats/convertCheckpoint';
import { type ConversionProgress, convertToPackage } from '../formats/convertToPackage';
import { SHARD_BYTES } from '../formats/shardWriter';
import { ModelSpecError } from '../formats/validateModel';
import type { StorageDtype } from '../formats/weightSink';
import { sha256OfBlob } from '../util/sha256';
import { type PackageStore, StorageQuotaError, type StoredModel } from './packageStore';
import { releasedModel } from './releasedCards';

export interface ConvertFileOptions {
  /** Shown in the model picker; defaults to the released model's name or the file name. */
  name?: string;
  /** Defaults to float16: half the storage, and what the command line writes by default. */
  storage?: StorageDtype;
  /** Class names for a checkpoint that names none, used when their number matches (the ImageNet labels). */
  defaultClassNames?: string[];
  onProgress?: (progress: ConversionProgress) => void;
  signal?: AbortSignal;
}

export type ConversionErrorCode =
  | CheckpointErrorCode
  /** A readable checkpoint of some other network. */
  | 'wrong-architecture'
  | 'invalid-model'
  | 'out-of-memory'
  | 'storage-quota'
  /** The file could not be read any more (moved or changed while converting). */
  | 'unreadable'
  | 'canceled'
  | 'failed';

export interface ConversionFailure {
  code: ConversionErrorCode;
  message: string;
}

/**
 * Chromium reserves room for a file being written in steps: its size rounded up to a power of two, at least 1 MiB
 * (measured with a lowered quota). The shards are the largest files, so a write needs at most one shard beyond the package.
 */
const WRITE_RESERVATION_BYTES = SHARD_BYTES;

/** Converts `file` with the command line's converter and commits it to `store` when complete. */
export async function convertFileIntoStore(store: PackageStore, file: File, options: ConvertFileOptions = {}): Promise<StoredModel> {
  const storage = options.storage ?? 'float16';
  const released = releasedModel(file.name);
  const convertedAt = new Date().toISOString();
  // An upper bound: every float32 tensor of the checkpoint stored once, in the chosen dtype, and the room the browser reserves while writing.
  const expectedBytes = (storage === 'float16' ? file.size / 2 : file.size) + WRITE_RESERVATION_BYTES;
  return store.write(file.name, expectedBytes, async (id, writeFile) => {
    // Hashed in a pass of its own: the converter skips the storages it does not need, so it never reads the whole file.
    const sha256 = await sha256OfBlob(file, (bytesRead) => options.onProgress?.({ stage: 'hashing', bytesRead, bytesTotal: file.size }), options.signal);
    const spec = await convertToPackage(blobByteSource(file, file.name), writeFile, {
      id,
      name: options.name ?? released?.name ?? file.name.replace(/\.[^.]*$/, ''),
      description: released?.description,
      storage,
      source: { name: file.name, sha256 },
      fallbackClasses: options.defaultClassNames,
      card: released?.card,
      convertedAt,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    const details = {
      name: spec.name,
      sourceFile: file.name,
      sourceBytes: file.size,
      sourceSha256: sha256,
      convertedAt,
      classes: spec.classes.length,
      storage,
    };
    return spec.description ? { ...details, description: spec.description } : details;
  });
}

/** The error of a failed conversion as a stable code and a message for people. */
export function conversionFailure(error: unknown, fileName: string, signal?: AbortSignal): ConversionFailure {
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (signal?.aborted || name === 'AbortError') return { code: 'canceled', message: `the conversion of ${fileName} was canceled; nothing was stored` };
  if (error instanceof CheckpointError) return { code: error.code, message };
  if (error instanceof ArchitectureError)
    return { code: 'wrong-architecture', message: `${fileName} is a PyTorch checkpoint, but not of the authors' generative classifier: ${message}` };
  if (error instanceof ModelSpecError) return { code: 'invalid-model', message: `${fileName} converts to an invalid model: ${message}` };
  if (error instanceof StorageQuotaError) return { code: 'storage-quota', message };
  if (error instanceof RangeError && /allocation failed|out of memory|invalid array length|array buffer/i.test(message))
    return {
      code: 'out-of-memory',
      message: `the browser ran out of memory converting ${fileName}; close other tabs and try again, or convert it with "npm run convert" (${message})`,
    };
  if (name === 'NotReadableError' || name === 'NotFoundError')
    return { code: 'unreadable', message: `${fileName} could not be read any more (was it moved or changed while converting?)` };
  return { code: 'failed', message: `converting ${fileName} failed: ${message}` };
}
