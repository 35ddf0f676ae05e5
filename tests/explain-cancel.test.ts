import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputTimesGradient, integratedGradients } from '../src/explain/gradients';
import { occlusionMap } from '../src/explain/occlusion';
import { interpolateImages, sampleClass } from '../src/explain/sampling';
import { chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';

let model: GenerativeClassifier;
let x: tf.Tensor4D;
let y: tf.Tensor4D;

beforeAll(async () => {
  await chooseBackend(['cpu']);
  const { dir } = await convertFixture('mini_gc.zip.pt');
  model = await loadClassifier(nodePackageFiles(dir));
  x = tf.randomUniform([1, 48, 48, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  y = tf.randomUniform([1, 48, 48, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
});
afterAll(() => {
  model.dispose();
  tf.dispose([x, y]);
});

/** Aborts from a timer: it can only fire if the computation yields to the event loop between batches. */
async function abortedFromTimer(run: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 0);
  await expect(run(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  expect(tf.memory().numTensors).toBe(before);
}

describe('canceling long explanations', () => {
  it('integrated gradients yields between gradient passes and frees everything when aborted', async () => {
    await abortedFromTimer((signal) => integratedGradients(model, x, { kind: 'likelihood', classIndex: 1 }, { steps: 256, batchSize: 2, signal }));
  });

  it('input × gradient, one pass, reports progress layer by layer and stops mid-pass when aborted', async () => {
    const steps: number[] = [];
    await inputTimesGradient(model, x, { kind: 'likelihood', classIndex: 1 }, { onStep: (done, total) => steps.push(done / total) });
    expect(steps.length).toBeGreaterThan(model.flow.layers.length);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]);
    expect(steps[0]).toBeLessThan(0.1);
    expect(steps.at(-1)).toBe(1);
    await abortedFromTimer((signal) => inputTimesGradient(model, x, { kind: 'likelihood', classIndex: 1 }, { signal }));
  });

  it('occlusion yields between forward passes and stops when aborted', async () => {
    await abortedFromTimer((signal) => occlusionMap(model, x, { classIndex: 0, patch: 4, stride: 1, batchSize: 2, signal }));
  });

  it('sampling and interpolation yield between inverse passes and stop when aborted', async () => {
    await abortedFromTimer((signal) => sampleClass(model, 2, { count: 64, seed: 3, batchSize: 1, signal }));
    await abortedFromTimer((signal) => interpolateImages(model, x, y, 64, { batchSize: 1, signal }));
  });

  it('an untouched signal changes nothing', async () => {
    const plain = await integratedGradients(model, x, { kind: 'likelihood', classIndex: 1 }, { steps: 4, batchSize: 2 });
    const withSignal = await integratedGradients(
      model,
      x,
      { kind: 'likelihood', classIndex: 1 },
      { steps: 4, batchSize: 2, signal: new AbortController().signal },
    );
    expect(withSignal.map).toEqual(plain.map);
  });
});
