import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../src/formats/byteSource';
import { convertToPackage } from '../src/formats/convertToPackage';
import type { ModelSpec } from '../src/formats/modelSpec';
import { type ConvertFileOptions, conversionFailure, convertFileIntoStore } from '../src/storage/convertIntoStore';
import { PackageStore, STORE_FOLDER } from '../src/storage/packageStore';
import { RELEASED_CAVEAT } from '../src/storage/releasedCards';
import { FIXTURES } from './helpers/fixtures';
import { type MemoryDirectory, MemoryDisk, MemoryLocks } from './helpers/memoryBackend';

const CORPUS = join(import.meta.dirname, 'corpus');

function memoryStore(quota?: number) {
  const disk = new MemoryDisk(quota);
  const store = new PackageStore(() => disk.root.getDirectoryHandle(STORE_FOLDER, { create: true }), new MemoryLocks(), disk);
  const folders = async () => [...((await disk.root.getDirectoryHandle(STORE_FOLDER)) as MemoryDirectory).entries.keys()];
  return { store, folders };
}

const fileOf = async (path: string, name = path.split('/').pop()!, length?: number) => new File([(await readFile(path)).subarray(0, length)], name);

/** Converts, returning the failure's code and message (or the stored model). */
async function attempt(store: PackageStore, file: File, options: ConvertFileOptions = {}) {
  try {
    return { model: await convertFileIntoStore(store, file, options) };
  } catch (error) {
    return { failure: conversionFailure(error, file.name, options.signal) };
  }
}

describe('converting a file into the package store', () => {
  it('stores exactly what the command-line path writes', async () => {
    const { store } = memoryStore();
    const file = await fileOf(join(FIXTURES, 'mini_gc.zip.pt'));
    const model = await convertFileIntoStore(store, file);
    expect(model).toMatchObject({ name: 'mini_gc.zip', sourceFile: 'mini_gc.zip.pt', sourceBytes: file.size, classes: 10, storage: 'float16' });

    const sha256 = createHash('sha256')
      .update(new Uint8Array(await file.arrayBuffer()))
      .digest('hex');
    expect(model.sourceSha256).toBe(sha256);
    const cli = new Map<string, Uint8Array>();
    await convertToPackage(memoryByteSource(new Uint8Array(await file.arrayBuffer()), file.name), async (n, b) => void cli.set(n, b), {
      id: model.id,
      name: model.name,
      storage: 'float16',
      source: { name: file.name, sha256 },
    });
    const files = store.files(model.id);
    const stored = JSON.parse(await files.readText('model.json')) as ModelSpec;
    const expected = JSON.parse(new TextDecoder().decode(cli.get('model.json'))) as ModelSpec;
    expect(stored.provenance.convertedAt).toBe(model.convertedAt);
    expect({ ...stored, provenance: { ...stored.provenance, convertedAt: undefined } }).toEqual(expected);
    expect(expected.weightsManifest[0].paths.length, 'weight shards to compare').toBeGreaterThan(0);
    for (const path of expected.weightsManifest[0].paths) expect(Buffer.from(await files.readBinary(path)).equals(cli.get(path)!), path).toBe(true);
    expect(model.bytes).toBe([...cli.values()].reduce((s, b) => s + b.length, 0) - cli.get('model.json')!.length + JSON.stringify(stored, null, 1).length);
  });

  it('names unnamed classes from defaultClassNames when the count matches, and attaches the released card', async () => {
    const { store } = memoryStore();
    const names = Array.from({ length: 10 }, (_, k) => `label ${k}`);
    const file = await fileOf(join(FIXTURES, 'mini_gc.zip.pt'), 'trustworthy_gc_beta_inf.avg.pt');
    const model = await convertFileIntoStore(store, file, { defaultClassNames: names });
    const spec = JSON.parse(await store.files(model.id).readText('model.json')) as ModelSpec;
    expect(spec.classes).toEqual(names);
    expect(spec.name).toBe('Generative classifier, ImageNet, β = ∞');
    expect(model.description).toBe(spec.description);
    expect(spec.card.reported).toMatchObject([{ value: 76.27, unit: '%' }]);
    expect(spec.card.caveats).toEqual([RELEASED_CAVEAT]);

    const other = await convertFileIntoStore(store, file, { defaultClassNames: names.slice(1) });
    expect(JSON.parse(await store.files(other.id).readText('model.json')).classes[0]).toBe('class 0');
  });

  it.each(['beta_3.avg.pt', 'beta_8.pt'])(
    'converts %s, a β the authors did not release, and lists it by its file name without their card',
    async (fileName) => {
      const { store } = memoryStore();
      const model = await convertFileIntoStore(store, await fileOf(join(FIXTURES, 'mini_gc.zip.pt'), fileName));
      expect(model).toMatchObject({ name: fileName.replace(/\.pt$/, ''), sourceFile: fileName, classes: 10 });
      expect(await store.list()).toEqual([model]);
      const spec = JSON.parse(await store.files(model.id).readText('model.json')) as ModelSpec;
      expect(spec.provenance.source).toContain(fileName);
      expect(spec.name).toBe(fileName.replace(/\.pt$/, ''));
      expect(spec.card?.caveats ?? []).not.toContain(RELEASED_CAVEAT);
      expect(spec.card?.reported ?? []).toEqual([]);
    },
  );

  it.each([
    ['truncated', join(FIXTURES, 'mini_gc.zip.pt'), 5_000_000],
    ['not-a-checkpoint', join(CORPUS, 'not-a-checkpoint.png'), undefined],
    ['wrong-architecture', join(CORPUS, 'valid', 'tiny.zip.pt'), undefined],
  ])('fails with %s and leaves the store as it was', async (code, path, length) => {
    const { store, folders } = memoryStore();
    const kept = await convertFileIntoStore(store, await fileOf(join(FIXTURES, 'mini_gc.zip.pt')));
    const { failure } = await attempt(store, await fileOf(path, undefined, length));
    expect(failure?.code).toBe(code);
    console.log(`${code}: ${failure?.message}`);
    expect(await folders()).toEqual([kept.id]);
    expect(await store.list()).toEqual([kept]);
  });

  it('cancels mid-way, leaving nothing behind', async () => {
    const { store, folders } = memoryStore();
    const controller = new AbortController();
    const file = await fileOf(join(FIXTURES, 'mini_gc.zip.pt'));
    const { failure } = await attempt(store, file, {
      signal: controller.signal,
      onProgress: (p) => (p.nodesDone ?? 0) >= 3 && controller.abort(),
    });
    expect(failure).toEqual({ code: 'canceled', message: 'the conversion of mini_gc.zip.pt was canceled; nothing was stored' });
    expect(await folders()).toEqual([]);
  });

  it('reports exhausted storage with the sizes', async () => {
    const { store, folders } = memoryStore(500_000);
    const { failure } = await attempt(store, await fileOf(join(FIXTURES, 'mini_gc.zip.pt')));
    expect(failure).toEqual({
      code: 'storage-quota',
      message:
        'Not enough browser storage for mini_gc.zip.pt: the converted model needs up to 15.1 MB and 500.0 kB is free. Nothing was stored. Free disk space, then add the file again.',
    });
    expect(await folders()).toEqual([]);
  });

  it('names out-of-memory and unreadable files', () => {
    expect(conversionFailure(new RangeError('Array buffer allocation failed'), 'a.pt').code).toBe('out-of-memory');
    expect(conversionFailure(new DOMException('gone', 'NotReadableError'), 'a.pt').code).toBe('unreadable');
  });
});
