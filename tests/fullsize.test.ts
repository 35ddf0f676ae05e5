import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { classifierFromCheckpoint } from '../tools/lib/memoryModel';
import { type CheckpointLayout, normalSampler, syntheticCheckpoint } from '../tools/lib/syntheticCheckpoint';
import { FIXTURES } from './helpers/fixtures';

/** The released ImageNet architecture, built from its layout with synthetic weights, in Node wasm. */
describe('full-size released architecture (synthetic weights, wasm)', () => {
  let model: GenerativeClassifier;

  beforeAll(async () => {
    await chooseBackend(['wasm']);
    const layout = JSON.parse(await readFile(join(FIXTURES, 'imagenet_layout.json'), 'utf8')) as CheckpointLayout;
    model = await classifierFromCheckpoint(syntheticCheckpoint(layout), 'imagenet-synthetic');
  });
  afterAll(() => model?.dispose());

  it('converts to the released structure', () => {
    const types = model.spec.layers.map((l) => l.type);
    expect(types.filter((t) => t === 'downsample_coupling')).toHaveLength(4);
    expect(types.filter((t) => t === 'coupling')).toHaveLength(1 + 3 + 3 + 5 + 2);
    expect(types.slice(0, 3)).toEqual(['downsample_coupling', 'haar', 'coupling']);
    expect(types.slice(-2)).toEqual(['dct_pool', 'permute_prefix']);
    expect(model.spec.input).toEqual({ channels: 3, height: 224, width: 224 });
    expect(model.spec.latent).toEqual({ fcDims: 3072, convDims: 147456 });
    expect(model.spec.classes).toHaveLength(1000);
    const dct = model.spec.layers.find((l) => l.type === 'dct_pool');
    expect(dct).toMatchObject({ channels: 3072, size: 7 });
  });

  it('runs forward and inverse at 3x224x224', async () => {
    const normal = normalSampler(7);
    const x = tf.tensor4d(
      Float32Array.from({ length: 224 * 224 * 3 }, () => normal()),
      [1, 224, 224, 3],
    );
    const r = await model.classify(x);
    expect(r.zFc).toHaveLength(3072);
    expect(r.zConv).toHaveLength(147456);
    expect(r.logits).toHaveLength(1000);
    // every() passes on an empty array: pin the lengths of the two not checked above.
    expect(r.logDet).toHaveLength(1);
    expect(r.posterior).toHaveLength(1000);
    for (const a of [r.zFc, r.zConv, r.logDet, r.logits, r.posterior]) expect(a.every(Number.isFinite)).toBe(true);
    expect(r.posterior.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    const zFc = tf.tensor2d(r.zFc, [1, 3072]);
    const zConv = tf.tensor2d(r.zConv, [1, 147456]);
    const rec = model.decode(zFc, zConv);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(rec, x))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]);
    console.log(`full-size reconstruction: max |x − f⁻¹(f(x))| = ${err.toExponential(3)} (max |x| = ${scale.toFixed(2)})`);
    expect(err / scale).toBeLessThan(1e-4);
    tf.dispose([x, zFc, zConv, rec]);
  });
});
