import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classMeanGeometry } from '../src/explain/classMeans';
import { applyEdits, type PrincipalDirections, principalDirections, residualStrength, separatingDimensions, towardCrossing } from '../src/explain/latentEdit';
import { decodeLatents, describeImages, interpolateImages, sampleClass, sampleTypical, standardNormal, typicalTemperature } from '../src/explain/sampling';
import { jacobiEigen, topEigenpairs } from '../src/explain/symmetricEigen';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { referenceMini } from './helpers/convertFixture';

const D = 6912;
let model: GenerativeClassifier;
let images: tf.Tensor4D;
/** The latents of the four fixture images, [4, D]. */
let latents: Float32Array;
let means: Float32Array;
const z = (i: number) => latents.slice(i * D, (i + 1) * D);
const mean = (y: number) => means.subarray(y * D, (y + 1) * D);

beforeAll(async () => {
  ({ model, images } = await referenceMini());
  const r = await model.classify(images);
  latents = new Float32Array(4 * D);
  for (let i = 0; i < 4; i++) {
    latents.set(r.zFc.subarray(i * 3072, (i + 1) * 3072), i * D);
    latents.set(r.zConv.subarray(i * 3840, (i + 1) * 3840), i * D + 3072);
  }
  const m = model.mixture.means([...Array(10).keys()]);
  means = (await m.data()) as Float32Array;
  m.dispose();
});
afterAll(() => {
  model.dispose();
  images.dispose();
});

describe('symmetric eigen-decomposition', () => {
  const random = (n: number, seed: number) => {
    const r = standardNormal(seed, n * n);
    return Float64Array.from({ length: n * n }, (_, ij) => r[ij] + r[(ij % n) * n + Math.floor(ij / n)]);
  };
  const residual = (a: Float64Array, n: number, value: number, v: Float64Array) =>
    Math.max(...Array.from({ length: n }, (_, i) => Math.abs(v.reduce((s, vj, j) => s + a[i * n + j] * vj, 0) - value * v[i])));

  it('Jacobi: A v = λ v, orthonormal, descending', () => {
    const a = random(12, 1);
    const { values, vectors } = jacobiEigen(a, 12);
    for (let j = 0; j < 12; j++) {
      const v = vectors.subarray(j * 12, (j + 1) * 12);
      expect(residual(a, 12, values[j], v)).toBeLessThan(1e-10);
      expect(v.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 12);
      if (j) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    }
  });

  it('subspace iteration finds the top eigenpairs of a larger matrix', () => {
    const n = 120;
    // A positive semi-definite matrix with a decaying spectrum, like a Gram matrix.
    const g = standardNormal(2, n * 30);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < 30; k++) a[i * n + j] += (g[i * 30 + k] * g[j * 30 + k]) / (k + 1);
    const top = topEigenpairs(a, n, 4);
    const all = jacobiEigen(a, n);
    for (let j = 0; j < 4; j++) {
      expect(top.values[j]).toBeCloseTo(all.values[j], 8);
      expect(residual(a, n, top.values[j], top.vectors.subarray(j * n, (j + 1) * n))).toBeLessThan(1e-6 * all.values[0]);
    }
  });
});

describe('latent editing', () => {
  it('"toward class b" at t = 1 carries z − μ_a over exactly: z′ − μ_b = z − μ_a', async () => {
    const z0 = z(0);
    const edited = await applyEdits(model, z0, [{ direction: { kind: 'toward', from: 8, to: 3 }, amount: 1 }]);
    let worst = 0;
    for (let i = 0; i < D; i++) worst = Math.max(worst, Math.abs(edited[i] - mean(3)[i] - (z0[i] - mean(8)[i])));
    expect(worst).toBeLessThan(1e-5);
    // Hence logit_b(z′) = logit_a(z).
    const logits = tf.tidy(() => {
      const t = tf.tensor2d([...z0, ...edited], [2, D]);
      return model.mixture.evaluate(tf.slice(t, [0, 0], [2, 3072]), tf.slice(t, [0, 3072], [2, 3840])).logits;
    });
    const l = (await logits.data()) as Float32Array;
    logits.dispose();
    expect(Math.abs(l[10 + 3] - l[8]) / Math.abs(l[8])).toBeLessThan(1e-5);
    // Half way is half the move.
    const half = await applyEdits(model, z0, [{ direction: { kind: 'toward', from: 8, to: 3 }, amount: 0.5 }]);
    expect(Math.abs(half[100] - (z0[100] + 0.5 * (mean(3)[100] - mean(8)[100])))).toBeLessThan(1e-6);
  });

  it('resets to the original z bit for bit', async () => {
    const z1 = z(1);
    const reset = await applyEdits(model, z1, []);
    expect(reset).not.toBe(z1);
    expect(Buffer.from(reset.buffer).equals(Buffer.from(z1.buffer))).toBe(true);
    const zeroAmounts = await applyEdits(model, z1, [
      { direction: { kind: 'toward', from: 1, to: 2 }, amount: 0 },
      { direction: { kind: 'dimension', index: 7 }, amount: 0 },
    ]);
    expect(Buffer.from(zeroAmounts.buffer).equals(Buffer.from(z1.buffer))).toBe(true);
    const moved = await applyEdits(model, z1, [{ direction: { kind: 'dimension', index: 7 }, amount: 2 }]);
    expect(moved[7]).toBeCloseTo(z1[7] + 2, 5);
    expect(moved.filter((v, i) => v !== z1[i]).length).toBe(1);
    await expect(applyEdits(model, z1, [{ direction: { kind: 'dimension', index: D }, amount: 1 }])).rejects.toThrow(/dimension/);
    await expect(applyEdits(model, z1, [{ direction: { kind: 'principal', index: 0 }, amount: 1 }])).rejects.toThrow(/principal/);
    await expect(applyEdits(model, z1, [{ direction: { kind: 'toward', from: 0, to: 99 }, amount: 1 }])).rejects.toThrow(/class 99/);
  });

  it('lists the dimensions that separate two classes most, with their share of the logit difference', async () => {
    const z2 = z(2);
    const top = await separatingDimensions(model, z2, 8, 6, 5);
    expect(top.length).toBe(5);
    const gaps = top.map((d) => Math.abs(d.meanA - d.meanB));
    expect(gaps).toEqual([...gaps].sort((p, q) => q - p));
    let largest = 0;
    for (let i = 0; i < D; i++) largest = Math.max(largest, Math.abs(mean(8)[i] - mean(6)[i]));
    expect(gaps[0]).toBe(largest);
    const first = top[0];
    expect([first.z, first.meanA, first.meanB]).toEqual([z2[first.index], mean(8)[first.index], mean(6)[first.index]]);
    expect(first.contribution).toBeCloseTo((first.meanA - first.meanB) * (first.z - (first.meanA + first.meanB) / 2), 12);
    // All D contributions add up to logit_8 − logit_6.
    const all = await separatingDimensions(model, z2, 8, 6, D);
    const sum = all.reduce((s, d) => s + d.contribution, 0);
    const dist = (y: number) => z2.reduce((s, v, i) => s + (v - mean(y)[i]) ** 2, 0);
    expect(sum).toBeCloseTo((dist(6) - dist(8)) / 2, 6);
  });
});

describe('principal directions of the class means', () => {
  let principal: PrincipalDirections;
  beforeAll(async () => {
    principal = await principalDirections(model, 20);
  });

  it('are orthonormal, span the means, and come with sorted explained variance', async () => {
    expect(principal.count).toBe(9);
    const v = (j: number) => principal.directions.subarray(j * D, (j + 1) * D);
    for (let i = 0; i < 9; i++)
      for (let j = 0; j <= i; j++) {
        const d = v(i).reduce((s, x, k) => s + x * v(j)[k], 0);
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-4);
      }
    const ratios = Array.from(principal.explainedVarianceRatio);
    expect(ratios).toEqual([...ratios].sort((p, q) => q - p));
    expect(ratios.reduce((s, r) => s + r)).toBeCloseTo(1, 6);
    // Variance along v_j, measured directly from the ten means.
    const center = principal.center;
    const coordinates = [...Array(10).keys()].map((y) => mean(y).reduce((s, m, k) => s + (m - center[k]) * v(0)[k], 0));
    expect(coordinates.reduce((s, c) => s + c * c, 0) / 10).toBeCloseTo(principal.variances[0], 4);
    // The geometry's mean of means is the plain average.
    const g = await classMeanGeometry(model);
    expect(Math.abs(g.meanOfMeans[5] - [...Array(10).keys()].reduce((s, y) => s + mean(y)[5] / 10, 0))).toBeLessThan(1e-6);
  });

  it('computes the Gram matrix of the means in slices of rows that agree with the means themselves', async () => {
    const rows = model.mixture.gramRows(3, 7);
    const values = (await rows.data()) as Float32Array;
    rows.dispose();
    expect(values.length).toBe(4 * 10);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 10; c++) {
        const direct = mean(3 + r).reduce((s, m, k) => s + m * mean(c)[k], 0);
        expect(Math.abs(values[r * 10 + c] - direct)).toBeLessThan(1e-4 * Math.max(1, Math.abs(direct)));
      }
  });

  it('lets background work pause between its slices (a new image comes first) and gives the same directions', async () => {
    let pauses = 0;
    const paused = await principalDirections(model, 20, async () => {
      pauses++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(pauses).toBeGreaterThan(0);
    expect(Array.from(paused.variances)).toEqual(Array.from(principal.variances));
  });

  it('explain a class mean fully and a sample from the model up to unit residual', async () => {
    const ofMean = residualStrength(principal, Float32Array.from(mean(4)));
    expect(ofMean.residualNorm / ofMean.distanceFromCenter).toBeLessThan(1e-3);
    const { latents: sample } = await sampleClass(model, 4, { count: 1, seed: 11 });
    const s = residualStrength(principal, sample);
    // r² ~ χ² with D − 9 degrees of freedom: rms 1 ± 0.0085 (one standard deviation).
    expect(Math.abs(s.residualRms - 1)).toBeLessThan(0.04);
    expect(s.explainedNorm ** 2 + s.residualNorm ** 2).toBeCloseTo(s.distanceFromCenter ** 2, 3);
    // The residual edit at −1 leaves z on the means' affine span.
    const flattened = await applyEdits(model, sample, [{ direction: { kind: 'residual' }, amount: -1 }], principal);
    expect(residualStrength(principal, flattened).residualNorm).toBeLessThan(1e-3 * s.residualNorm);
  });

  it('leave no tensor behind', async () => {
    const before = tf.memory().numTensors;
    await principalDirections(model, 3);
    await separatingDimensions(model, z(0), 1, 2, 3);
    await applyEdits(
      model,
      z(0),
      [
        { direction: { kind: 'toward', from: 1, to: 2 }, amount: 0.3 },
        { direction: { kind: 'principal', index: 1 }, amount: 1 },
      ],
      principal,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('counterfactual landmarks', () => {
  const logitsOf = async (latent: Float32Array) => {
    const logits = tf.tidy(
      () => model.mixture.evaluate(tf.tensor2d(latent.subarray(0, 3072), [1, 3072]), tf.tensor2d(latent.subarray(3072), [1, 3840])).logits,
    );
    const out = (await logits.data()) as Float32Array;
    logits.dispose();
    return out;
  };

  it('"toward b" makes logit_b equal logit_a at the crossing amount', async () => {
    const t = await towardCrossing(model, z(0), 3, 7);
    expect(t).not.toBeNull();
    const moved = await applyEdits(model, z(0), [{ direction: { kind: 'toward', from: 3, to: 7 }, amount: t as number }]);
    const l = await logitsOf(moved);
    const before = await logitsOf(z(0));
    expect(Math.abs(l[7] - l[3])).toBeLessThan(1e-4 * Math.abs(before[7] - before[3]) + 1e-3);
    expect(await towardCrossing(model, z(0), 3, 3)).toBeNull();
  });

  it('removing the residual moves every logit by the same ‖r‖²/2, so p(y|x) stays', async () => {
    const principal = await principalDirections(model, 9);
    const { residualNorm } = residualStrength(principal, z(1));
    const moved = await applyEdits(model, z(1), [{ direction: { kind: 'residual' }, amount: -1 }], principal);
    const [before, after] = [await logitsOf(z(1)), await logitsOf(moved)];
    for (let y = 0; y < 10; y++) expect(after[y] - before[y]).toBeCloseTo(residualNorm ** 2 / 2, 0);
    const spread = Math.max(...after.map((v, y) => v - before[y])) - Math.min(...after.map((v, y) => v - before[y]));
    expect(spread).toBeLessThan(1e-5 * residualNorm ** 2);
  });
});

describe('sampling and interpolation', () => {
  it('draws numpy-compatible noise: RandomState(seed).standard_normal', () => {
    expect(Array.from(standardNormal(0, 5))).toEqual([1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675]);
    expect(Array.from(standardNormal(4294967295, 3))).toEqual([0.6484086742306527, 0.6693235306338161, -1.0805437227474493]);
    expect(Array.from(standardNormal(3, 6913).subarray(6910))).toEqual([0.4565947752486294, 1.0000826683919808, 1.3038797555960264]);
  });

  it('gives identical samples for a seed and different ones for another, without leaking tensors', async () => {
    const options = { count: 2, seed: 42, temperature: 0.7, batchSize: 2 };
    const first = await sampleClass(model, 5, options);
    const before = tf.memory().numTensors;
    const again = await sampleClass(model, 5, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(Buffer.from(again.images.buffer).equals(Buffer.from(first.images.buffer))).toBe(true);
    const other = await sampleClass(model, 5, { ...options, seed: 43, count: 1 });
    expect(other.images.subarray(0, 100)).not.toEqual(first.images.subarray(0, 100));
    expect([first.count, first.height, first.width, first.channels, first.images.length]).toEqual([2, 48, 48, 3, 2 * 6912]);
    // z = μ_y + T ε.
    const eps = standardNormal(42, 2 * D);
    expect(first.latents[D + 10]).toBeCloseTo(mean(5)[10] + 0.7 * eps[D + 10], 6);
  });

  it('describes decoded images as the classifier sees them: class, p(y|x) and −log p(x)', async () => {
    const decoded = await sampleClass(model, 2, { count: 3, seed: 5, temperature: 0.7 });
    const facts = await describeImages(model, decoded.images, 3, { batchSize: 2 });
    const x = tf.tensor4d(decoded.images, [3, 48, 48, 3]);
    const r = await model.classify(x);
    x.dispose();
    for (const [i, f] of facts.entries()) {
      const row = Array.from(r.posterior.subarray(i * 10, (i + 1) * 10));
      expect(f.predicted).toBe(row.indexOf(Math.max(...row)));
      expect(f.probability).toBe(Math.max(...row));
      expect(f.nll).toBe(-r.logEvidence[i]);
      expect(f.bitsPerDim).toBe(r.bitsPerDim[i]);
    }
  });

  it('keeps only typical samples, in the seed order, and says how many candidates it drew', async () => {
    const options = { count: 2, seed: 9, temperature: 0.8, batchSize: 2 };
    const all = await sampleClass(model, 4, { ...options, count: 6 });
    const facts = await describeImages(model, all.images, 6);
    const nll = facts.map((f) => f.nll);
    // A range that holds every candidate: the plain samples come back, after exactly `count` draws.
    const wide = await sampleTypical(model, 4, { ...options, typical: [-Infinity, Infinity], maxDraws: 6 });
    expect(wide.draws).toBe(2);
    expect(Array.from(wide.images)).toEqual(Array.from(all.images.subarray(0, 2 * 6912)));
    // A range holding the 2nd to 5th smallest −log p(x) keeps the candidates inside it, in seed order.
    const sorted = [...nll].sort((p, q) => p - q);
    const range: [number, number] = [sorted[1], sorted[4]];
    const inside = nll.flatMap((v, i) => (v >= range[0] && v <= range[1] ? [i] : []));
    const some = await sampleTypical(model, 4, { ...options, typical: range, maxDraws: 6 });
    expect(some.count).toBe(2);
    expect(some.facts.map((f) => f.nll)).toEqual(inside.slice(0, 2).map((i) => nll[i]));
    expect(Array.from(some.latents.subarray(0, D))).toEqual(Array.from(all.latents.subarray(inside[0] * D, (inside[0] + 1) * D)));
    // A range nothing falls in: every allowed candidate is drawn and none is kept.
    const none = await sampleTypical(model, 4, { ...options, typical: [sorted[5] + 1, sorted[5] + 2], maxDraws: 6 });
    expect([none.count, none.draws, none.images.length]).toEqual([0, 6, 0]);
    await expect(sampleTypical(model, 4, { ...options, typical: [1, 0], maxDraws: 6 })).rejects.toThrow(/empty/);
    await expect(sampleTypical(model, 4, { ...options, typical: [0, 1], maxDraws: 1 })).rejects.toThrow(/maxDraws/);
  });

  it('finds the temperature whose samples have the wanted −log p(x)', async () => {
    const pilot = await sampleClass(model, 6, { count: 4, seed: 3, temperature: 0.8 });
    const nll = (await describeImages(model, pilot.images, 4)).map((f) => f.nll).sort((a, b) => a - b);
    const target = (nll[1] + nll[2]) / 2;
    const t = await typicalTemperature(model, 6, { seed: 3, target, pilot: 4, steps: 8 });
    expect(Math.abs(t - 0.8)).toBeLessThan(0.02);
    await expect(typicalTemperature(model, 6, { seed: 3, target: Number.NaN })).rejects.toThrow(/finite/);
  });

  it('interpolates between two images: the ends decode to the images themselves', async () => {
    const a = tf.slice(images, [1, 0, 0, 0], [1, 48, 48, 3]);
    const b = tf.slice(images, [2, 0, 0, 0], [1, 48, 48, 3]);
    const before = tf.memory().numTensors;
    const path = await interpolateImages(model, a, b, 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(path.count).toBe(3);
    expect(Array.from(path.latents.subarray(0, D))).toEqual(Array.from(z(1)));
    expect(Array.from(path.latents.subarray(2 * D))).toEqual(Array.from(z(2)));
    expect(path.latents[D + 50]).toBeCloseTo((z(1)[50] + z(2)[50]) / 2, 6);
    const [xa, xb] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
    const maxDiff = (p: Float32Array, q: Float32Array) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    expect(maxDiff(path.images.subarray(0, 6912), xa)).toBeLessThan(1e-3);
    expect(maxDiff(path.images.subarray(2 * 6912), xb)).toBeLessThan(1e-3);
    await expect(decodeLatents(model, new Float32Array(5), 1)).rejects.toThrow(/latents/);
    tf.dispose([a, b]);
  });
});
