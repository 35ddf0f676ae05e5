import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';
import { NonFiniteOutputError } from '../src/flow/classifier';
import { nchwToNhwc } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';
import { FIXTURES, fixture, tempDir } from './helpers/fixtures';

const run = promisify(execFile);
const CLAMP_ERROR = 'layers[3] (module_list.4, coupling) produced NaN/Infinity from a finite input (its output holds Infinity at element 8)';

/** The mini package with one coupling's clamp at 1e308: Infinity in float32, so exp(clamp · tanh(·)) overflows. */
async function hugeClampPackage(): Promise<string> {
  const good = await convertFixture('mini_gc.zip.pt');
  const dir = await tempDir('gc-clamp-');
  await cp(good.dir, dir, { recursive: true });
  const spec = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  spec.layers[3].clamp = 1e308;
  await writeFile(join(dir, 'model.json'), JSON.stringify(spec));
  return dir;
}

describe('non-finite outputs', () => {
  let dir: string;
  let images: tf.Tensor4D;
  beforeAll(async () => {
    await chooseBackend(['cpu']);
    dir = await hugeClampPackage();
    images = tf.tensor4d(nchwToNhwc(await fixture('mini_x.f32'), [4, 3, 48, 48]), [4, 48, 48, 3]);
  });

  it('name the first layer that produced them, instead of returning NaN logits', async () => {
    const model = await loadClassifier(nodePackageFiles(dir));
    try {
      const failure = await model.classify(images).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(NonFiniteOutputError);
      expect((failure as Error).message).toBe(CLAMP_ERROR);
      expect([(failure as NonFiniteOutputError).layerIndex, (failure as NonFiniteOutputError).layerName]).toEqual([3, 'module_list.4']);
      // The diagnosis frees what it kept.
      const before = tf.memory().numTensors;
      await model.classify(images).catch(() => null);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });

  it('blame the input when the input itself is not finite', async () => {
    const good = await convertFixture('mini_gc.zip.pt');
    const model = await loadClassifier(nodePackageFiles(good.dir));
    const x = tf.tensor4d(new Float32Array(48 * 48 * 3).fill(NaN, 5, 6), [1, 48, 48, 3]);
    try {
      await expect(model.classify(x)).rejects.toThrow(new NonFiniteOutputError(null, 'input', "the model's input holds NaN or Infinity (element 5)"));
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('blame the head when the flow output is finite', async () => {
    const good = await convertFixture('mini_gc.zip.pt');
    const broken = await tempDir('gc-head-');
    await cp(good.dir, broken, { recursive: true });
    const spec = JSON.parse(await readFile(join(broken, 'model.json'), 'utf8'));
    const weights: { name: string; shape: number[] }[] = spec.weightsManifest[0].weights;
    const before = weights.slice(
      0,
      weights.findIndex((w) => w.name === spec.head.muFc),
    );
    const offset = before.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    const shard = await readFile(join(broken, 'weights-000.bin'));
    shard.writeFloatLE(3e38, offset); // finite, but its square overflows: ‖μ‖² is Infinity
    await writeFile(join(broken, 'weights-000.bin'), shard);
    const model = await loadClassifier(nodePackageFiles(broken));
    try {
      await expect(model.classify(images)).rejects.toThrow(
        new NonFiniteOutputError(12, 'head', 'the Gaussian mixture head produced NaN/Infinity from a finite latent code'),
      );
    } finally {
      model.dispose();
    }
  });

  it('make npm run infer exit non-zero with that one line', async () => {
    const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
    const out = await tempDir('gc-nan-');
    const args = [join(import.meta.dirname, '..', 'tools', 'infer.ts'), dir, '--tensor', join(FIXTURES, 'mini_x.f32'), '--shape', '4,3,48,48'];
    const failed = await run(tsx, [...args, '--out', out, '--backend', 'cpu']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(`error: ${CLAMP_ERROR}`);
  });
});
