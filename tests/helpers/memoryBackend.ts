/**
 * In-memory stand-ins for OPFS, Web Locks and the storage estimate, with a quota, so the package
 * store's logic can be tested in Node. They throw the DOMExceptions the browser throws.
 */
import type { StorageEstimateSource, StoreDirectory, StoreFileHandle, StoreLocks } from '../../src/storage/storeDirectory';

type Node = MemoryDirectory | Uint8Array;

export class MemoryDirectory implements StoreDirectory {
  readonly entries = new Map<string, Node>();

  constructor(private readonly disk: MemoryDisk) {}

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryDirectory> {
    const found = this.entries.get(name);
    if (found instanceof MemoryDirectory) return found;
    if (found) throw new DOMException(`${name} is a file`, 'TypeMismatchError');
    if (!options.create) throw new DOMException(`no folder ${name}`, 'NotFoundError');
    const dir = new MemoryDirectory(this.disk);
    this.entries.set(name, dir);
    return dir;
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<StoreFileHandle> {
    const found = this.entries.get(name);
    if (found instanceof MemoryDirectory) throw new DOMException(`${name} is a folder`, 'TypeMismatchError');
    if (!found && !options.create) throw new DOMException(`no file ${name}`, 'NotFoundError');
    if (!found) this.entries.set(name, new Uint8Array(0));
    return {
      getFile: async () => new Blob([this.entries.get(name) as Uint8Array<ArrayBuffer>]),
      createWritable: async () => {
        const parts: Uint8Array[] = [];
        return {
          write: async (data) => void parts.push(data.slice()),
          close: async () => {
            const bytes = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
            this.disk.claim(bytes.length - (this.entries.get(name) as Uint8Array).length);
            this.entries.set(name, bytes);
          },
        };
      },
    };
  }

  async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
    const found = this.entries.get(name);
    if (!found) throw new DOMException(`no entry ${name}`, 'NotFoundError');
    if (found instanceof MemoryDirectory && found.entries.size > 0 && !options.recursive)
      throw new DOMException(`${name} is not empty`, 'InvalidModificationError');
    this.disk.claim(-sizeOf(found));
    this.entries.delete(name);
  }

  async *keys(): AsyncIterable<string> {
    yield* [...this.entries.keys()];
  }
}

function sizeOf(node: Node): number {
  return node instanceof MemoryDirectory ? [...node.entries.values()].reduce((s, n) => s + sizeOf(n), 0) : node.length;
}

/** Counts the bytes stored and refuses writes beyond the quota, as the browser does. */
export class MemoryDisk implements StorageEstimateSource {
  usage = 0;
  readonly root = new MemoryDirectory(this);

  constructor(readonly quota = Infinity) {}

  claim(bytes: number): void {
    if (this.usage + bytes > this.quota) throw new DOMException('the quota is exceeded', 'QuotaExceededError');
    this.usage += bytes;
  }

  async estimate(): Promise<{ quota: number; usage: number }> {
    return { quota: this.quota, usage: this.usage };
  }
}

/** Exclusive named locks within this process, as navigator.locks grants them. */
export class MemoryLocks implements StoreLocks {
  private readonly held = new Map<string, Promise<unknown>>();

  async request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T> {
    while (this.held.has(name)) {
      if (options.ifAvailable) return callback(null);
      await this.held.get(name)!.catch(() => undefined);
    }
    const run = callback({ name });
    this.held.set(name, run);
    try {
      return await run;
    } finally {
      this.held.delete(name);
    }
  }
}
