import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackSettings, attackImage, classifyPixels, perturbationNorms, pgd, roundIntoBudget } from '../src/explain/attack';
import { attackBatch, batchAttackSummary } from '../src/explain/attackBatch';
import { auroc } from '../src/explain/trustMetrics';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { typicality, typicalityStatistics } from '../src/state/resultView';
import { MT19937 } from '../src/util/mt19937';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { referenceMini } from './helpers/convertFixture';

const ROOT = join(import.meta.dirname, '..');
let model: GenerativeClassifier;
/** The fixture's four images as 8-bit model inputs. */
let starts: Float32Array[];
let mnist: GenerativeClassifier;
/** The ten MNIST gallery digits (0–9) as the bundled model's 8-bit input. */
let digits: Float32Array[];

async function galleryDigit(n: number): Promise<Float32Array> {
  const png = PNG.sync.read(await readFile(join(ROOT, 'public', 'gallery', `mnist-${n}.png`)));
  return Float32Array.from({ length: 28 * 28 }, (_, i) => png.data[4 * i]);
}

beforeAll(async () => {
  const loaded = await referenceMini();
  model = loaded.model;
  const all = (await loaded.images.data()) as Float32Array;
  loaded.images.dispose();
  const { mean, std } = model.spec.preprocessing;
  const size = 48 * 48 * 3;
  starts = [0, 1, 2, 3].map((n) =>
    Float32Array.from(all.subarray(n * size, (n + 1) * size), (v, i) => Math.min(255, Math.max(0, Math.round(255 * (v * std[i % 3] + mean[i % 3]))))),
  );
});
beforeAll(async () => {
  mnist = await loadClassifier(nodePackageFiles(join(ROOT, 'public', 'models', 'mnist-beta2')));
  digits = await Promise.all(Array.from({ length: 10 }, (_, n) => galleryDigit(n)));
});
afterAll(() => {
  model.dispose();
  mnist.dispose();
});

/** Deterministic pseudo-random values in [0, 1). */
function uniform(count: number, seed: number): number[] {
  const rng = new MT19937(seed);
  return Array.from({ length: count }, () => rng.nextUint32() / 2 ** 32);
}

describe('roundIntoBudget', () => {
  it('keeps 8-bit images inside the L∞ and L2 balls and [0, 255], for random float perturbations at the ball edge', () => {
    const n = 500;
    for (const seed of [1, 2, 3]) {
      const u = uniform(3 * n, seed);
      const start = Float32Array.from({ length: n }, (_, i) => Math.floor(u[i] * 256));
      for (const epsilon of [0, 0.4, 0.5, 1, 2.7, 8]) {
        // L∞: anywhere in the ball, past [0, 255] before the clip.
        const linf = Float32Array.from(start, (s, i) => Math.min(255, Math.max(0, s + (2 * u[n + i] - 1) * epsilon)));
        const r = roundIntoBudget(start, linf, 'linf', epsilon);
        expect(r.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
        expect(perturbationNorms(start, r).linf).toBeLessThanOrEqual(epsilon);
        // L2: on the sphere of radius 40ε, where rounding pushes outward half of the time.
        const radius = 40 * epsilon;
        const dir = Array.from({ length: n }, (_, i) => 2 * u[2 * n + i] - 1);
        const norm = Math.hypot(...dir);
        const l2 = Float32Array.from(start, (s, i) => Math.min(255, Math.max(0, s + (radius * dir[i]) / norm)));
        const q = roundIntoBudget(start, l2, 'l2', radius);
        expect(q.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
        expect(perturbationNorms(start, q).l2).toBeLessThanOrEqual(radius);
        // Rounding moves each value by less than one step.
        for (let i = 0; i < n; i++) expect(Math.abs(q[i] - l2[i])).toBeLessThan(1);
      }
    }
  });

  it('rounds to the nearest integer when that is inside the budget', () => {
    const start = Float32Array.from([10, 10, 0, 255]);
    expect(Array.from(roundIntoBudget(start, Float32Array.from([12.6, 7.4, 0.2, 254.5]), 'linf', 3))).toEqual([13, 7, 0, 255]);
    expect(Array.from(roundIntoBudget(start, Float32Array.from([12.6, 7.4, 0.2, 254.5]), 'linf', 2.5))).toEqual([12, 8, 0, 255]);
  });
});

describe('PGD on the mini model', () => {
  it('stays within the budget and [0, 255], float and after 8-bit rounding', async () => {
    for (const settings of [
      { target: null, norm: 'linf', epsilon: 3, steps: 4, stepSize: 1 },
      { target: 2, norm: 'l2', epsilon: 150, steps: 4, stepSize: 60 },
    ] satisfies AttackSettings[]) {
      const r = await attackImage(model, starts[1], settings);
      const bound = settings.norm === 'linf' ? 'linf' : 'l2';
      // Float32 sums p₀ + δ round by at most half a unit in the last place at 255 (7.6e-6).
      expect(r.float[bound]).toBeLessThanOrEqual(settings.epsilon * (1 + 1e-6) + 1e-5);
      expect(r.rounded[bound]).toBeLessThanOrEqual(settings.epsilon);
      for (const image of [r.float, r.rounded]) expect(image.pixels.every((v) => v >= 0 && v <= 255)).toBe(true);
      expect(r.rounded.pixels.every((v) => Number.isInteger(v))).toBe(true);
      console.log(settings.norm, { float: r.float[bound], rounded: r.rounded[bound], flippedFloat: r.float.flipped, flippedRounded: r.rounded.flipped });
    }
  });

  it('a targeted L∞ attack turns the MNIST gallery 0 into a 6 (bundled model), and the ε search brackets the flip', async () => {
    const settings: AttackSettings = { target: 6, norm: 'linf', epsilon: 64, steps: 10, stepSize: 12 };
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const r = await attackImage(mnist, digits[0], settings, { searchAttacks: 4, onStep: (done) => steps.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    const card = mnist.spec.card as Record<string, unknown>;
    console.log('0 → 6', {
      clean: r.cleanClass,
      after: r.rounded.predicted,
      p6: r.rounded.posterior[6],
      norms: { linf: r.rounded.linf, l2: r.rounded.l2 },
      typicality: [typicality(card, r.clean.logEvidence), typicality(card, r.rounded.logEvidence)],
      search: r.search,
    });
    expect(r.cleanClass).toBe(0);
    expect(r.float.flipped && r.rounded.flipped).toBe(true);
    expect(r.rounded.predicted).toBe(6);
    expect(r.rounded.posterior[6]).toBeGreaterThan(0.5);
    expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const search = r.search!;
    expect(search.tried).toHaveLength(5);
    expect(search.upper).not.toBeNull();
    expect(search.lower).toBeLessThan(search.upper!);
    // The bracket's ends are attacks that were run: the upper one flipped, the lower one (if not 0) did not.
    expect(search.tried.some((t) => t.epsilon === search.upper && t.flipped)).toBe(true);
    if (search.lower > 0) expect(search.tried.some((t) => t.epsilon === search.lower && !t.flipped)).toBe(true);
    // Bisection halves the bracket with each of the 4 attacks once ε = 64 flipped.
    expect(search.upper! - search.lower).toBeLessThanOrEqual(64 / 2 ** 4);
  });

  it('stops when canceled, frees its tensors, and rejects bad settings and starts clearly', async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const settings: AttackSettings = { target: null, norm: 'linf', epsilon: 4, steps: 50, stepSize: 1 };
    let stepsDone = 0;
    const run = pgd(model, starts[2], 0, settings, {
      signal: controller.signal,
      onStep: (done) => {
        stepsDone = done;
        if (done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(stepsDone).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    await expect(attackImage(model, starts[0], { ...settings, target: 10 })).rejects.toThrow(/class 10 is not in \[0, 10\)/);
    await expect(attackImage(model, starts[0], { ...settings, epsilon: -1 })).rejects.toThrow(/ε must be/);
    await expect(attackImage(model, starts[0], { ...settings, steps: 0 })).rejects.toThrow(/steps must be/);
    await expect(attackImage(model, starts[0], { ...settings, stepSize: Number.NaN })).rejects.toThrow(/step size/);
    await expect(
      attackImage(
        model,
        Float32Array.from(starts[0], (v) => v + 0.5),
        settings,
      ),
    ).rejects.toThrow(/8-bit image: value 0/);
    await expect(attackImage(model, starts[0].subarray(1), settings)).rejects.toThrow(/needs 6912/);
  });
});

describe('attackBatch', () => {
  it('attacks the ten MNIST gallery digits one by one; the summary gives the success rate and the typicality AUROC (card statistics)', async () => {
    const settings: AttackSettings = { target: null, norm: 'l2', epsilon: 600, steps: 5, stepSize: 200 };
    const mean = typicalityStatistics(mnist.spec.card)!.mean;
    const progress: number[] = [];
    const images = await attackBatch(mnist, digits, settings, { onStep: (done) => progress.push(done) });
    const r = batchAttackSummary(images, settings.target, mean);
    console.log('batch', { successRate: r.successRate, auroc: r.typicalityAuroc, images });
    const clean = await classifyPixels(mnist, digits, null, null);
    expect(images.map((im) => im.cleanClass)).toEqual(clean.map((v) => v.predicted));
    expect(images.map((im) => im.cleanNll)).toEqual(clean.map((v) => -v.logEvidence));
    expect(progress.at(-1)).toBe(50);
    const flipped = images.filter((im) => im.flipped).length;
    expect(r).toMatchObject({ attacked: 10, successRate: flipped / 10 });
    for (const im of images) expect(im.flipped).toBe(im.attackedClass !== im.cleanClass);
    const score = (nll: number) => Math.abs(nll - mean);
    expect(r.typicalityAuroc).toBe(
      auroc(
        images.map((im) => score(im.cleanNll)),
        images.map((im) => score(im.attackedNll)),
      ),
    );
    expect(batchAttackSummary(images, null, null).typicalityAuroc).toBeNull();
    expect(await attackBatch(mnist, [], settings)).toEqual([]);
  });

  it('leaves images already decided as the target out of a targeted success rate', () => {
    const im = (cleanClass: number, flipped: boolean) => ({ cleanClass, attackedClass: flipped ? 3 : cleanClass, flipped, cleanNll: 1, attackedNll: 2 });
    const images = [im(3, false), im(1, true), im(2, false), im(4, true)];
    expect(batchAttackSummary(images, 3, 0)).toEqual({ attacked: 3, successRate: 2 / 3, typicalityAuroc: 1 });
    expect(batchAttackSummary([im(3, false)], 3, 0)).toMatchObject({ attacked: 0, successRate: null });
  });
});
