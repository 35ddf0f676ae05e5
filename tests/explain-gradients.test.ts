import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decomposeLogitDifference } from '../src/explain/decomposition';
import { inputTimesGradient, integratedGradients, type Objective } from '../src/explain/gradients';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { referenceMini } from './helpers/convertFixture';

let model: GenerativeClassifier;
let images: tf.Tensor4D;
const image = (i: number) => tf.slice(images, [i, 0, 0, 0], [1, 48, 48, 3]);
/** The logit difference: float32 logits keep it to ~1e-5, where log p(x|y) (~ −37750) has steps of 0.004. */
const objective: Objective = { kind: 'logitDifference', classIndex: 8, contrast: 6 };

beforeAll(async () => {
  ({ model, images } = await referenceMini());
});
afterAll(() => {
  model.dispose();
  images.dispose();
});

describe('inputTimesGradient', () => {
  it('matches a central finite difference on its largest pixel, and frees its tensors', async () => {
    const x = image(2);
    const data = (await x.data()) as Float32Array;
    const before = tf.memory().numTensors;
    const a = await inputTimesGradient(model, x, objective);
    expect(tf.memory().numTensors).toBe(before);
    expect([a.height, a.width, a.channels, a.perChannel.length, a.map.length]).toEqual([48, 48, 3, 6912, 2304]);
    let best = 0;
    for (const [i, v] of a.perChannel.entries()) if (Math.abs(v) > Math.abs(a.perChannel[best])) best = i;
    // f in float64 from the model's z (the decomposition's logit difference) at x ± h on one pixel.
    const h = 0.05;
    const at = async (delta: number) => {
      const moved = Float32Array.from(data);
      moved[best] += delta;
      const t = tf.tensor4d(moved, [1, 48, 48, 3]);
      const d = await decomposeLogitDifference(model, t, 8, { kind: 'class', index: 6 });
      t.dispose();
      return d.logitDifference;
    };
    const finiteDifference = (data[best] * ((await at(h)) - (await at(-h)))) / (2 * h);
    console.log(`input×gradient at pixel ${best}: ${a.perChannel[best]}, finite difference ${finiteDifference}`);
    expect(Math.abs(a.perChannel[best] - finiteDifference)).toBeLessThan(1e-2 * Math.abs(finiteDifference));
    const channelSum = a.perChannel[best - (best % 3)] + a.perChannel[best - (best % 3) + 1] + a.perChannel[best - (best % 3) + 2];
    expect(a.map[Math.floor(best / 3)]).toBeCloseTo(channelSum, 6);
    x.dispose();
  });
});

describe('integratedGradients', () => {
  it('is complete to within 2e-3 with 16 midpoint steps, and 1 step is far worse', async () => {
    const x = image(2);
    const baseline = image(3);
    const before = tf.memory().numTensors;
    const sixteen = await integratedGradients(model, x, objective, { steps: 16, baseline });
    const one = await integratedGradients(model, x, objective, { steps: 1, baseline });
    expect(tf.memory().numTensors).toBe(before);
    console.log('IG completeness (relative):', { steps16: sixteen.relativeCompletenessError, steps1: one.relativeCompletenessError });
    expect(sixteen.value - sixteen.baselineValue).toBeCloseTo(-2.1827, 3);
    // Measured on the CPU backend: 1.55e-2 (1 step), 1.6e-3 (2), 9.7e-4 (4), 3.1e-4 (16), 1.2e-5 (64).
    expect(sixteen.relativeCompletenessError).toBeLessThan(2e-3);
    expect(one.relativeCompletenessError).toBeGreaterThan(10 * sixteen.relativeCompletenessError);
    expect(sixteen.completenessError).toBeCloseTo(sixteen.total - (sixteen.value - sixteen.baselineValue), 12);
    tf.dispose([x, baseline]);
  });

  it('rejects bad options', async () => {
    const x = image(0);
    await expect(integratedGradients(model, x, objective, { steps: 0 })).rejects.toThrow(/steps/);
    await expect(integratedGradients(model, x, objective, { baseline: images })).rejects.toThrow(/baseline/);
    await expect(integratedGradients(model, x, { kind: 'likelihood', classIndex: 12 })).rejects.toThrow(/class 12/);
    x.dispose();
  });
});
