import { describe, expect, it } from 'vitest';
import { PackageStore, STORE_FOLDER, StorageQuotaError, type StoredModelDetails } from '../src/storage/packageStore';
import { type StoreDirectory, writeWholeFile } from '../src/storage/storeDirectory';
import { type MemoryDirectory, MemoryDisk, MemoryLocks } from './helpers/memoryBackend';

function memoryStore(quota?: number) {
  const disk = new MemoryDisk(quota);
  const store = new PackageStore(() => disk.root.getDirectoryHandle(STORE_FOLDER, { create: true }), new MemoryLocks(), disk);
  const folders = async () => [...((await disk.root.getDirectoryHandle(STORE_FOLDER)) as MemoryDirectory).entries.keys()];
  return { disk, store, folders };
}

const details = (sourceFile: string): StoredModelDetails => ({
  name: sourceFile,
  sourceFile,
  sourceBytes: 1000,
  convertedAt: new Date().toISOString(),
  classes: 10,
  storage: 'float16',
});

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe('package store (in-memory OPFS)', () => {
  it('commits a package and reads its files back', async () => {
    const { store } = memoryStore();
    const model = await store.write('beta_8.avg.pt', 100, async (id, write) => {
      await write('weights-000.bin', bytes(300));
      await write('model.json', new TextEncoder().encode(`{"id":"${id}"}`));
      return details('beta_8.avg.pt');
    });
    expect(model.id).toMatch(/^beta-8-avg-[0-9a-f]{8}$/);
    expect(model.bytes).toBe(300 + `{"id":"${model.id}"}`.length);
    expect(await store.list()).toEqual([model]);
    const files = store.files(model.id);
    expect(JSON.parse(await files.readText('model.json'))).toEqual({ id: model.id });
    let reported = 0;
    expect(await files.readBinary('weights-000.bin', (n) => (reported += n))).toEqual(bytes(300));
    expect(reported).toBe(300);
  });

  it('gives every conversion a fresh folder, so existing models are never touched', async () => {
    const { store } = memoryStore();
    const fill = async (_: string, write: (n: string, b: Uint8Array) => Promise<void>) => {
      await write('weights-000.bin', bytes(10));
      return details('same.pt');
    };
    const a = await store.write('same.pt', 10, fill);
    const b = await store.write('same.pt', 10, fill);
    expect(a.id).not.toBe(b.id);
    expect((await store.list()).map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('removes the folder of a failed write and rethrows', async () => {
    const { store, folders } = memoryStore();
    const kept = await store.write('kept.pt', 10, async (_, write) => {
      await write('a.bin', bytes(10));
      return details('kept.pt');
    });
    const failing = store.write('bad.pt', 10, async (_, write) => {
      await write('weights-000.bin', bytes(10));
      throw new Error('broken checkpoint');
    });
    await expect(failing).rejects.toThrow('broken checkpoint');
    expect(await folders()).toEqual([kept.id]);
    expect(await store.list()).toEqual([kept]);
  });

  it('turns quota exhaustion into a StorageQuotaError with the sizes, and cleans up', async () => {
    const { store, folders, disk } = memoryStore(5_000_000);
    const write = store.write('big.pt', 12_000_000, async (_, w) => {
      for (let i = 0; i < 3; i++) await w(`weights-00${i}.bin`, bytes(4_000_000));
      return details('big.pt');
    });
    const error = await write.catch((e) => e);
    expect(error).toBeInstanceOf(StorageQuotaError);
    expect(error.message).toBe(
      'Not enough browser storage for big.pt: the converted model needs up to 12.0 MB and 5.0 MB is free. Nothing was stored. Free disk space, then add the file again.',
    );
    expect(await folders()).toEqual([]);
    expect(disk.usage).toBe(0);
  });

  it('names the stored models to delete, and does not quote an estimate that a failed write contradicts', async () => {
    const { store, folders, disk } = memoryStore(5_000_000);
    const kept = await store.write('kept.pt', 1_500_000, async (_, w) => {
      await w('weights-000.bin', bytes(1_500_000));
      return details('kept.pt');
    });
    // Chromium estimates from its default quota: a lowered one or a full disk is not in it.
    disk.estimate = async () => ({ quota: 10e9, usage: disk.usage });
    const error = await store
      .write('beta_8.avg.pt', 4_000_000, async (_, w) => {
        await w('weights-000.bin', bytes(4_000_000));
        return details('beta_8.avg.pt');
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(StorageQuotaError);
    expect(error.message).toBe(
      'Not enough browser storage for beta_8.avg.pt: the converted model needs up to 4.0 MB, and the browser refused to store it (it estimates 10.00 GB free, ' +
        'but the disk may be nearly full or the browser may limit this site). Nothing was stored. To make room, delete a model converted earlier ' +
        '(one is stored, 1.5 MB in all: choose it under Model, then “delete from this browser”) or free disk space, then add the file again.',
    );
    expect(error.stored).toEqual({ count: 1, bytes: 1_500_000 });
    expect(await folders()).toEqual([kept.id]);
    expect(await store.list()).toEqual([kept]);
  });

  it('takes a short write of a sync access handle (what Chromium gives when private storage is full) for exhausted storage', async () => {
    const handle = {
      getFile: async () => new Blob([]),
      createWritable: async () => {
        throw new Error('not used when sync access handles exist');
      },
      // Chromium's in-memory file system returns −8 (no space) as an unsigned count.
      createSyncAccessHandle: async () => ({ write: () => 2 ** 32 - 8, truncate: () => undefined, flush: () => undefined, close: () => undefined }),
    };
    const dir = { getFileHandle: async () => handle } as unknown as StoreDirectory;
    const error = await writeWholeFile(dir, 'weights-000.bin', bytes(10)).catch((e) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('QuotaExceededError');
    expect(error.message).toBe('wrote 4294967288 of 10 bytes of weights-000.bin');
  });

  it('lists only committed models and sweeps abandoned folders, but not one being written', async () => {
    const { store, folders, disk } = memoryStore();
    const models = await disk.root.getDirectoryHandle(STORE_FOLDER, { create: true });
    const abandoned = await models.getDirectoryHandle('crashed-tab-0000', { create: true });
    await (await abandoned.getFileHandle('weights-000.bin', { create: true })).createWritable();
    let release!: () => void;
    const inProgress = store.write('slow.pt', 10, async (_, write) => {
      await write('weights-000.bin', bytes(10));
      await new Promise<void>((r) => (release = r));
      return details('slow.pt');
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(await store.list()).toEqual([]);
    const left = await folders();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^slow-/);
    release();
    const model = await inProgress;
    expect(await store.list()).toEqual([model]);
  });

  it('deletes a model, and refuses to open one that is not stored', async () => {
    const { store, folders } = memoryStore();
    const model = await store.write('x.pt', 1, async (_, write) => {
      await write('model.json', bytes(1));
      return details('x.pt');
    });
    await store.delete(model.id);
    await store.delete(model.id);
    expect(await folders()).toEqual([]);
    await expect(store.files(model.id).readText('model.json')).rejects.toThrow(`no stored model "${model.id}"`);
  });
});
