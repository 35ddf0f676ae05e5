import { describe, expect, it } from 'vitest';
import { PackageStore, STORE_FOLDER, StorageQuotaError, type StoredModelDetails } from '../src/storage/packageStore';
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
    expect(error.message).toBe('not enough browser storage: the model needs up to ~12 MB, 5 MB free');
    expect(await folders()).toEqual([]);
    expect(disk.usage).toBe(0);
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
