import { cp, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '../src/formats/float16';
import { loadModelPackage, storedBytes } from '../src/formats/modelPackage';
import type { WeightSpec } from '../src/formats/modelSpec';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';
import { relativeError, tempDir } from './helpers/fixtures';

interface Edit {
  op: 'set' | 'delete' | 'replace-file' | 'poke-float' | 'poke-int32' | 'truncate-shard';
  path?: string;
  /** With poke-int32: the weight whose element `index` is overwritten. */
  weight?: string;
  index?: number;
  value?: unknown;
  offset?: number;
  bytes?: number;
  /** With set: a list of this many copies of value (long lists need not be spelled out). */
  repeat?: number;
}
const corpus = JSON.parse(await readFile(join(import.meta.dirname, 'corpus', 'model-packages.json'), 'utf8')) as {
  cases: { name: string; edit: Edit; error: string }[];
};

/** Applies one corpus edit to a copy of a good package. */
async function applyEdit(dir: string, edit: Edit): Promise<void> {
  const jsonPath = join(dir, 'model.json');
  const shard = join(dir, 'weights-000.bin');
  if (edit.op === 'replace-file') return writeFile(jsonPath, String(edit.value));
  if (edit.op === 'truncate-shard') return truncate(shard, edit.bytes);
  if (edit.op === 'poke-float') {
    const bytes = await readFile(shard);
    bytes.writeFloatLE(Number(edit.value), edit.offset!);
    return writeFile(shard, bytes);
  }
  const spec = JSON.parse(await readFile(jsonPath, 'utf8'));
  if (edit.op === 'poke-int32') {
    const weights: WeightSpec[] = spec.weightsManifest[0].weights;
    const before = weights.slice(
      0,
      weights.findIndex((w) => w.name === edit.weight),
    );
    const bytes = await readFile(shard);
    bytes.writeInt32LE(Number(edit.value), before.reduce((sum, w) => sum + storedBytes(w), 0) + 4 * edit.index!);
    return writeFile(shard, bytes);
  }
  const keys = edit.path!.split('.');
  const parent = keys.slice(0, -1).reduce((o, k) => o[k], spec);
  const last = keys[keys.length - 1];
  if (edit.op === 'set') parent[last] = edit.repeat === undefined ? edit.value : Array(edit.repeat).fill(edit.value);
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  await writeFile(jsonPath, JSON.stringify(spec));
}

describe('model package', async () => {
  const good = await convertFixture('mini_gc.zip.pt');

  it('loads with byte progress that ends at the total', async () => {
    const seen: [number, number][] = [];
    const { spec, weights } = await loadModelPackage(nodePackageFiles(good.dir), (a, b) => seen.push([a, b]));
    expect(spec.id).toBe('reference-mini');
    expect(seen[0]).toEqual([0, 3113488]);
    expect(seen[seen.length - 1]).toEqual([3113488, 3113488]);
    expect(weights.int32('latent.permutation')).toHaveLength(3072);
  });

  it.each(corpus.cases)('refuses $name with its exact error', async ({ edit, error }) => {
    const dir = await tempDir('gc-lens-broken-');
    await cp(good.dir, dir, { recursive: true });
    await applyEdit(dir, edit);
    await expect(loadModelPackage(nodePackageFiles(dir))).rejects.toThrow(error);
  });

  it('stores float16 weights that decode within half precision', async () => {
    const half = await convertFixture('mini_gc.zip.pt', 'float16');
    const a = await loadModelPackage(nodePackageFiles(good.dir));
    const b = await loadModelPackage(nodePackageFiles(half.dir));
    const name = 'head.mu_m';
    expect(relativeError(b.weights.float32(name), a.weights.float32(name))).toBeLessThan(1e-3);
    expect(b.weights.int32('latent.permutation')).toEqual(a.weights.int32('latent.permutation'));
    expect(b.spec.weightsManifest[0].weights.find((w) => w.name === name)?.quantization?.dtype).toBe('float16');
  });

  it('rounds float16 to nearest, keeping ±0, subnormals and overflow', () => {
    for (const v of [0, -0, 1, -2.5, 65504, 6.1e-5, 5.96e-8, 0.1, 1 / 3]) {
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
    expect(fromFloat16Bits(toFloat16Bits(1e6))).toBe(Infinity);
    expect(Object.is(fromFloat16Bits(toFloat16Bits(-0)), -0)).toBe(true);
  });
});
