import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTask } from '../src/explain/checks';
import { type Contrast, decomposeLogitDifference } from '../src/explain/decomposition';
import { PoolingTail } from '../src/explain/poolingTail';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { referenceMini } from './helpers/convertFixture';
import { relativeError } from './helpers/fixtures';

let model: GenerativeClassifier;
let images: tf.Tensor4D;
const image = (i: number) => tf.slice(images, [i, 0, 0, 0], [1, 48, 48, 3]);

beforeAll(async () => {
  ({ model, images } = await referenceMini());
});
afterAll(() => {
  model.dispose();
  images.dispose();
});

describe('the linear tail (DCT pooling and permutation) in float64', () => {
  it('reproduces the model z, inverts exactly and has the right adjoint', async () => {
    const tail = await PoolingTail.of(model);
    expect([tail.size, tail.channels, tail.dims]).toEqual([3, 768, 6912]);
    const x = image(2);
    const features = await tail.features(x, nextTask);
    const z = tail.latent(features);
    const f = (await features.data()) as Float32Array;
    const zModel = (await z.data()) as Float32Array;
    tf.dispose([x, features, z]);
    expect(relativeError(tail.toLatent(f), zModel)).toBeLessThan(1e-6);
    expect(relativeError(tail.toFeatures(tail.toLatent(f)), f)).toBeLessThan(1e-12);
    // u · L(F) = Lᵀu · F for any u.
    const u = Float64Array.from({ length: tail.dims }, (_, i) => Math.sin(i * 0.37));
    const lhs = dotProduct(u, tail.toLatent(f));
    const rhs = dotProduct(tail.adjointToFeatures(u), f);
    expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-12);
  });
});

describe('decomposeLogitDifference', () => {
  it('sums exactly to the logit difference for every contrast', async () => {
    const logits = (await model.classify(images)).logits;
    for (const i of [0, 2, 3]) {
      const x = image(i);
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      const predicted = row.indexOf(Math.max(...row));
      const runnerUp = row.indexOf(Math.max(...row.filter((_, y) => y !== predicted)));
      const cases: [Contrast, number | null, number][] = [
        [{ kind: 'class', index: 2 }, 2, row[predicted] - row[2]],
        [{ kind: 'predicted' }, runnerUp, row[predicted] - row[runnerUp]],
        [{ kind: 'mean' }, null, row[predicted] - row.reduce((s, v) => s + v / 10, 0)],
      ];
      for (const [contrast, contrastClass, fromLogits] of cases) {
        const d = await decomposeLogitDifference(model, x, predicted, contrast);
        console.log(
          `image ${i} ${contrast.kind}: logit difference ${d.logitDifference.toFixed(6)}, ` +
            `Σ map ${d.mapSum.toFixed(6)}, check error ${d.checkError.toExponential(2)}`,
        );
        expect(d.contrastClass).toBe(contrastClass);
        expect(d.map.length).toBe(9);
        expect(d.checkError).toBeLessThan(1e-6);
        expect(Math.abs(d.mapSum - d.logitDifference) / Math.abs(d.logitDifference)).toBe(d.checkError);
        // The float32 logits of the model agree to their own precision.
        expect(Math.abs(d.logitDifference - fromLogits)).toBeLessThan(1e-3);
      }
      x.dispose();
    }
  });

  it('gives an all-zero map when a class is compared with itself', async () => {
    const x = image(1);
    const d = await decomposeLogitDifference(model, x, 4, { kind: 'class', index: 4 });
    x.dispose();
    expect(Array.from(d.map)).toEqual(new Array(9).fill(0));
    expect([d.logitDifference, d.checkError]).toEqual([0, 0]);
  });

  it('rejects a batch and unknown classes', async () => {
    await expect(decomposeLogitDifference(model, images, 0, { kind: 'mean' })).rejects.toThrow(/one NHWC image/);
    const x = image(0);
    await expect(decomposeLogitDifference(model, x, 10, { kind: 'mean' })).rejects.toThrow(/class 10/);
    await expect(decomposeLogitDifference(model, x, 0, { kind: 'class', index: -1 })).rejects.toThrow(/class -1/);
    x.dispose();
  });

  it('leaves no tensor behind', async () => {
    const x = image(3);
    await decomposeLogitDifference(model, x, 0, { kind: 'mean' });
    const before = tf.memory().numTensors;
    for (const contrast of [{ kind: 'mean' }, { kind: 'predicted' }, { kind: 'class', index: 5 }] as Contrast[])
      await decomposeLogitDifference(model, x, 1, contrast);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
