/**
 * Converted model packages kept in the browser (Origin Private File System), one folder per model.
 * A folder counts as a model only once its entry file is written, after every other file: a
 * conversion that fails, is canceled or dies with its tab leaves an uncommitted folder, which is
 * removed at once or by the next listing, and never a half-written model.
 */
import type { PackageFiles } from '../formats/modelPackage';
import type { StorageDtype } from '../formats/weightSink';
import { formatBytes } from '../ui/format';
import { isMissing, type StorageEstimateSource, type StoreDirectory, type StoreLocks, writeWholeFile } from './storeDirectory';

/** A stored model as the model picker lists it. */
export interface StoredModel {
  id: string;
  name: string;
  description?: string;
  /** What the package occupies in browser storage. */
  bytes: number;
  sourceFile: string;
  sourceBytes: number;
  /** SHA-256 of the source file, hex; links name a converted model by it (absent in models converted before it was kept). */
  sourceSha256?: string;
  /** ISO 8601. */
  convertedAt: string;
  classes: number;
  storage: StorageDtype;
}

export type StoredModelDetails = Omit<StoredModel, 'id' | 'bytes'>;

export type PackageFileWriter = (name: string, bytes: Uint8Array) => Promise<void>;

/** The models already stored when storage ran out: what the user can delete to make room. */
export interface StoredSummary {
  count: number;
  bytes: number;
}

/** Browser storage ran out while writing a package; nothing of it was kept. */
export class StorageQuotaError extends Error {
  constructor(
    readonly sourceFile: string,
    readonly neededBytes: number,
    /** The browser's estimate, which may ignore what actually limits it (a full disk, a lowered quota). */
    readonly freeBytes: number,
    readonly stored: StoredSummary,
  ) {
    super(storageFullMessage(sourceFile, neededBytes, freeBytes, stored));
    this.name = 'StorageQuotaError';
  }
}

function storageFullMessage(sourceFile: string, neededBytes: number, freeBytes: number, stored: StoredSummary): string {
  const needs = `Not enough browser storage for ${sourceFile}: the converted model needs up to ${formatBytes(neededBytes)}`;
  // Chromium's estimate counts neither a full disk nor a lowered quota, so it can claim room that a write just lacked.
  const free =
    freeBytes < neededBytes
      ? `${needs} and ${formatBytes(Math.max(0, freeBytes))} is free.`
      : `${needs}, and the browser refused to store it (it estimates ${formatBytes(freeBytes)} free, but the disk may be nearly full or the browser may limit this site).`;
  const models = stored.count === 1 ? 'one is stored' : `${stored.count} are stored`;
  const advice =
    stored.count > 0
      ? `To make room, delete a model converted earlier (${models}, ${formatBytes(stored.bytes)} in all: choose it under Model, then “delete from this browser”) or free disk space, then add the file again.`
      : 'Free disk space, then add the file again.';
  return `${free} Nothing was stored. ${advice}`;
}

const ENTRY_FILE = 'entry.json';
/** The OPFS folder that holds one folder per model. */
export const STORE_FOLDER = 'gc-lens-models';

const lockName = (id: string) => `gc-lens-package:${id}`;
const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 1));

function isQuotaError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'QuotaExceededError';
}

/** A fresh folder name: readable from the file name, unique so it never meets an existing model. */
function newModelId(sourceFile: string): string {
  const stem = sourceFile
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${stem.slice(0, 40) || 'model'}-${random}`;
}

export class PackageStore {
  private folder: Promise<StoreDirectory> | null = null;

  constructor(
    private readonly openFolder: () => Promise<StoreDirectory>,
    private readonly locks: StoreLocks,
    private readonly storage: StorageEstimateSource,
  ) {}

  private models(): Promise<StoreDirectory> {
    this.folder ??= this.openFolder();
    return this.folder;
  }

  /**
   * Writes a new package under a fresh id: `fill` writes its files and returns what the listing
   * shows. Committed when `fill` succeeds; on any failure the folder is removed and quota
   * exhaustion becomes a StorageQuotaError. expectedBytes: the package size the quota message quotes.
   */
  async write(
    sourceFile: string,
    expectedBytes: number,
    fill: (id: string, writeFile: PackageFileWriter) => Promise<StoredModelDetails>,
  ): Promise<StoredModel> {
    const id = newModelId(sourceFile);
    // Held until committed or removed, so that a listing elsewhere never sweeps it away.
    return this.locks.request(lockName(id), {}, async () => {
      const models = await this.models();
      const dir = await models.getDirectoryHandle(id, { create: true });
      const sizes = new Map<string, number>();
      try {
        const details = await fill(id, async (name, bytes) => {
          await writeWholeFile(dir, name, bytes);
          sizes.set(name, bytes.length);
        });
        const entry: StoredModel = { id, ...details, bytes: [...sizes.values()].reduce((a, b) => a + b, 0) };
        await writeWholeFile(dir, ENTRY_FILE, encodeJson(entry));
        return entry;
      } catch (error) {
        // If even this fails, the next listing sweeps the folder.
        await models.removeEntry(id, { recursive: true }).catch(() => undefined);
        if (!isQuotaError(error)) throw error;
        throw await this.quotaError(sourceFile, expectedBytes);
      }
    });
  }

  /** The committed models, oldest first; removes folders that no running conversion holds. */
  async list(): Promise<StoredModel[]> {
    const models = await this.models();
    const ids: string[] = [];
    for await (const id of models.keys()) ids.push(id);
    const found: StoredModel[] = [];
    for (const id of ids) {
      const entry = await readEntry(models, id);
      if (entry) found.push(entry);
      else await this.removeAbandoned(models, id);
    }
    return found.sort((a, b) => a.convertedAt.localeCompare(b.convertedAt));
  }

  /** The package's files for loadModelPackage; refuses a model that is not (or no longer) stored. */
  files(id: string): PackageFiles {
    let folder: Promise<StoreDirectory> | null = null;
    const open = async () => {
      const models = await this.models();
      if (!(await readEntry(models, id))) throw new Error(`no stored model "${id}" (was it deleted?)`);
      return models.getDirectoryHandle(id);
    };
    const file = async (name: string) => {
      folder ??= open();
      return (await (await folder).getFileHandle(name)).getFile();
    };
    return {
      readText: async (name) => (await file(name)).text(),
      async readBinary(name, onBytes) {
        const bytes = new Uint8Array(await (await file(name)).arrayBuffer());
        onBytes?.(bytes.length);
        return bytes;
      },
    };
  }

  /** Uncommits first, so a removal cut short leaves no listed half model. */
  async delete(id: string): Promise<void> {
    const models = await this.models();
    try {
      const dir = await models.getDirectoryHandle(id);
      await dir.removeEntry(ENTRY_FILE);
      await models.removeEntry(id, { recursive: true });
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** Measured after the failed package is removed, so that what is free and stored is what the user has. */
  private async quotaError(sourceFile: string, neededBytes: number): Promise<StorageQuotaError> {
    const { quota = 0, usage = 0 } = await this.storage.estimate();
    // Only advice: a listing that fails must not hide the quota error.
    const stored = await this.list().catch(() => []);
    return new StorageQuotaError(sourceFile, neededBytes, quota - usage, { count: stored.length, bytes: stored.reduce((sum, m) => sum + m.bytes, 0) });
  }

  private async removeAbandoned(models: StoreDirectory, id: string): Promise<void> {
    await this.locks.request(lockName(id), { ifAvailable: true }, async (lock) => {
      // Re-read under the lock: the conversion may have committed since.
      if (lock && !(await readEntry(models, id))) await models.removeEntry(id, { recursive: true });
    });
  }
}

/** The entry of a committed model folder, or null (no such folder, not committed, unreadable). */
async function readEntry(models: StoreDirectory, id: string): Promise<StoredModel | null> {
  try {
    const file = await (await models.getDirectoryHandle(id)).getFileHandle(ENTRY_FILE);
    const entry = JSON.parse(await (await file.getFile()).text()) as StoredModel;
    return entry?.id === id ? entry : null;
  } catch (error) {
    if (isMissing(error) || error instanceof SyntaxError) return null;
    throw error;
  }
}

let browserStore: PackageStore | null = null;

/** The store in this origin's OPFS (page or worker). */
export function browserPackageStore(): PackageStore {
  browserStore ??= new PackageStore(
    async () => (await navigator.storage.getDirectory()).getDirectoryHandle(STORE_FOLDER, { create: true }) as unknown as StoreDirectory,
    navigator.locks as unknown as StoreLocks,
    navigator.storage,
  );
  return browserStore;
}

export const listStoredModels = (): Promise<StoredModel[]> => browserPackageStore().list();
export const storedPackageFiles = (id: string): PackageFiles => browserPackageStore().files(id);
export const deleteStoredModel = (id: string): Promise<void> => browserPackageStore().delete(id);
