/**
 * The parts of the Origin Private File System and Web Locks APIs the package store uses, so that
 * the store runs against OPFS in the browser and against an in-memory stand-in in Node tests.
 */

export interface StoreWritable {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Only in dedicated workers: synchronous and the fastest way to write OPFS. */
export interface StoreSyncAccessHandle {
  write(data: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}

export interface StoreFileHandle {
  getFile(): Promise<Blob>;
  createWritable(): Promise<StoreWritable>;
  createSyncAccessHandle?(): Promise<StoreSyncAccessHandle>;
}

export interface StoreDirectory {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<StoreDirectory>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<StoreFileHandle>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  keys(): AsyncIterable<string>;
}

export interface StoreLocks {
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

export interface StorageEstimateSource {
  estimate(): Promise<{ quota?: number; usage?: number }>;
}

/** Writes a whole file, replacing what was there. */
export async function writeWholeFile(dir: StoreDirectory, name: string, bytes: Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  if (handle.createSyncAccessHandle) {
    const access = await handle.createSyncAccessHandle();
    try {
      access.truncate(0);
      const written = access.write(bytes, { at: 0 });
      // A short write means no space; Chromium's in-memory storage (private windows) even returns an error code as the count.
      if (written !== bytes.length) throw new DOMException(`wrote ${written} of ${bytes.length} bytes of ${name}`, 'QuotaExceededError');
      access.flush();
    } finally {
      access.close();
    }
    return;
  }
  const writable = await handle.createWritable();
  await writable.write(bytes);
  await writable.close();
}

/** What OPFS throws for a name that does not exist (or is of the other kind). */
export function isMissing(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError');
}
