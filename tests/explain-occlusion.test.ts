import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { occlusionMap, patchStarts } from '../src/explain/occlusion';
import { chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { nchwToNhwc } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';
import { fixture } from './helpers/fixtures';

let model: GenerativeClassifier;
let images: Float32Array;
const SIZE = 48 * 48 * 3;

beforeAll(async () => {
  await chooseBackend(['cpu']);
  const { dir } = await convertFixture('mini_gc.zip.pt');
  model = await loadClassifier(nodePackageFiles(dir));
  images = nchwToNhwc(await fixture('mini_x.f32'), [4, 3, 48, 48]);
});
afterAll(() => model.dispose());

describe('patchStarts', () => {
  it('steps by the stride and ends flush with the far edge', () => {
    expect(patchStarts(48, 16, 16)).toEqual([0, 16, 32]);
    expect(patchStarts(48, 16, 10)).toEqual([0, 10, 20, 30, 32]);
    expect(patchStarts(48, 48, 5)).toEqual([0]);
    expect(patchStarts(10, 3, 20)).toEqual([0, 7]);
  });
});

describe('occlusionMap', () => {
  it('changes nothing where the patch already holds the fill value, and matches a direct computation', async () => {
    // Image 2 with its top-left 16×16 block set to the fill (0): occluding that block is a no-op.
    const data = images.slice(2 * SIZE, 3 * SIZE);
    for (let r = 0; r < 16; r++) data.fill(0, r * 48 * 3, (r * 48 + 16) * 3);
    const x = tf.tensor4d(data, [1, 48, 48, 3]);
    const before = tf.memory().numTensors;
    const o = await occlusionMap(model, x, { classIndex: 8, patch: 16, stride: 16, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect([o.rows, o.cols, o.patchMap.length, o.pixelMap.length]).toEqual([3, 3, 9, 2304]);
    expect(o.patchMap[0]).toBe(0);
    console.log('occlusion Δ log p(x|y), 16px patches:', Array.from(o.patchMap, (v) => v.toFixed(3)).join(' '));

    // Patch (row 1, col 2), filled by hand and classified alone.
    const occluded = Float32Array.from(data);
    for (let r = 16; r < 32; r++) occluded.fill(0, (r * 48 + 32) * 3, (r * 48 + 48) * 3);
    const t = tf.tensor4d(occluded, [1, 48, 48, 3]);
    const direct = (await model.classify(t)).logLikelihood[8] - (await model.classify(x)).logLikelihood[8];
    t.dispose();
    expect(o.patchMap[1 * 3 + 2]).toBeCloseTo(direct, 6);
    // Non-overlapping patches: the pixel map is the patch map, upsampled.
    expect(o.pixelMap[20 * 48 + 40]).toBe(o.patchMap[1 * 3 + 2]);
    x.dispose();
  });

  it('averages overlapping patches and rejects bad sizes', async () => {
    const x = tf.tensor4d(images.slice(0, SIZE), [1, 48, 48, 3]);
    const o = await occlusionMap(model, x, { classIndex: 8, patch: 32, stride: 16, fill: 0.5 });
    expect([o.rowStarts, o.colStarts]).toEqual([
      [0, 16],
      [0, 16],
    ]);
    // Pixel (20, 20) lies in all four patches, pixel (5, 20) in the two of row 0.
    expect(o.pixelMap[20 * 48 + 20]).toBeCloseTo(o.patchMap.reduce((s, v) => s + v) / 4, 12);
    expect(o.pixelMap[5 * 48 + 20]).toBeCloseTo((o.patchMap[0] + o.patchMap[1]) / 2, 12);
    await expect(occlusionMap(model, x, { classIndex: 8, patch: -4, stride: 4 })).rejects.toThrow(/patch/);
    await expect(occlusionMap(model, x, { classIndex: 8, patch: 49, stride: 4 })).rejects.toThrow(/patch/);
    await expect(occlusionMap(model, x, { classIndex: 8, patch: 8, stride: 0 })).rejects.toThrow(/stride/);
    x.dispose();
  });
});
