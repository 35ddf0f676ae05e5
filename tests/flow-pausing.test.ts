import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTask } from '../src/explain/checks';
import { decomposeLogitDifference } from '../src/explain/decomposition';
import { type Objective, objectiveGradient, objectiveGradientPausing } from '../src/explain/gradients';
import { decodeLatentBatch } from '../src/explain/latentDecode';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { Flow } from '../src/flow/flow';
import { referenceMini } from './helpers/convertFixture';

let model: GenerativeClassifier;
/** Two of the fixture's inputs. */
let x: tf.Tensor4D;

beforeAll(async () => {
  const mini = await referenceMini();
  model = mini.model;
  x = tf.slice(mini.images, [0, 0, 0, 0], [2, 48, 48, 3]);
  mini.images.dispose();
});
afterAll(() => {
  model.dispose();
  x.dispose();
});

/** A pause that counts its calls and, from call `stopAt` on, throws as an aborted signal does. */
function countingPause(stopAt = Infinity) {
  const pause = Object.assign(
    async () => {
      pause.calls++;
      await nextTask();
      if (pause.calls >= stopAt) throw new DOMException('stopped', 'AbortError');
    },
    { calls: 0 },
  );
  return pause;
}

describe('flow passes that pause between layers (a worker reads its messages there)', () => {
  it('give the same z, log-determinant and x as the plain passes, pausing once between each two layers', async () => {
    const layers = model.flow.layers.length;
    const plain = model.flow.forward(x);
    const pause = countingPause();
    const paused = await model.flow.forwardPausing(x, pause);
    expect(pause.calls).toBe(layers - 1);
    expect(await paused.z.data()).toEqual(await plain.z.data());
    expect(await paused.logDet.data()).toEqual(await plain.logDet.data());
    const back = countingPause();
    const xPaused = await model.flow.inversePausing(paused.z, back);
    const xPlain = model.flow.inverse(plain.z);
    expect(back.calls).toBe(layers - 1);
    expect(await xPaused.data()).toEqual(await xPlain.data());
    tf.dispose([plain.z, plain.logDet, paused.z, paused.logDet, xPaused, xPlain]);
  });

  it('stop within one layer when the pause throws, and free every tensor they made', async () => {
    const z = model.flow.forwardLatent(x);
    const before = tf.memory().numTensors;
    for (const stopAt of [1, 3]) {
      const forward = countingPause(stopAt);
      await expect(model.flow.forwardPausing(x, forward)).rejects.toMatchObject({ name: 'AbortError' });
      expect(forward.calls).toBe(stopAt);
      const inverse = countingPause(stopAt);
      await expect(model.flow.inversePausing(z, inverse)).rejects.toMatchObject({ name: 'AbortError' });
      expect(inverse.calls).toBe(stopAt);
      expect(tf.memory().numTensors).toBe(before);
    }
    z.dispose();
  });

  it('an abort stops a decode, a classification and a decomposition mid-pass, leaving no tensor behind', async () => {
    const z = model.flow.forwardLatent(x);
    const latents = (await z.data()) as Float32Array;
    const first = x.slice(0, 1);
    z.dispose();
    const before = tf.memory().numTensors;
    const aborted = (run: (signal: AbortSignal) => Promise<unknown>) => {
      const controller = new AbortController();
      // Fires after the first layer: only a pass that yields between layers sees it before it ends.
      setTimeout(() => controller.abort(), 0);
      return expect(run(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    };
    await aborted((signal) => decodeLatentBatch(model, latents, 2, signal));
    await aborted((signal) => decomposeLogitDifference(model, first, 0, { kind: 'class', index: 1 }, signal));
    expect(tf.memory().numTensors).toBe(before);
    first.dispose();
  });

  it('give the input gradient of every map objective layer by layer, as tf.grad of the whole flow does', async () => {
    const objectives: Objective[] = [
      { kind: 'likelihood', classIndex: 2 },
      { kind: 'logitDifference', classIndex: 0, contrast: 'mean' },
      { kind: 'logitDifference', classIndex: 1, contrast: 3 },
      { kind: 'logPosterior', classIndex: 4 },
    ];
    for (const objective of objectives) {
      const whole = objectiveGradient(model, objective)(x);
      const pause = countingPause();
      const layered = await objectiveGradientPausing(model, x, objective, pause);
      expect(pause.calls, objective.kind).toBe(2 * model.flow.layers.length - 1);
      const [a, b] = [await whole.data(), await layered.data()];
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      expect(scale, objective.kind).toBeGreaterThan(0);
      expect(worst / scale, objective.kind).toBeLessThan(1e-5);
      tf.dispose([whole, layered]);
    }
    const before = tf.memory().numTensors;
    for (const stopAt of [2, model.flow.layers.length + 1]) {
      const stopped = countingPause(stopAt);
      await expect(objectiveGradientPausing(model, x, { kind: 'likelihood', classIndex: 0 }, stopped)).rejects.toMatchObject({ name: 'AbortError' });
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('never hand back their input: a flow of no layers returns a copy the caller may free', async () => {
    const empty = new Flow([]);
    const { z, logDet } = empty.forward(x);
    const back = empty.inverse(x);
    expect(z).not.toBe(x);
    expect(back).not.toBe(x);
    tf.dispose([z, logDet, back]);
    expect(x.isDisposed).toBe(false);
  });
});
