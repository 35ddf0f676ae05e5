import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, auroc, calibration, confusionMatrix, rocCurve, topConfusions, typicalityScore } from '../src/explain/trustMetrics';
import { classifyOutcomes, type ImageOutcome } from '../src/explain/trustOutcomes';
import { chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { MT19937 } from '../src/util/mt19937';
import { normalizePixels } from '../src/worker/modelPixels';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { requirePythonTorch } from './helpers/requirements';
import { type DigitSet, fashionTestImages, mnistTestDigits, pythonTrustMetrics } from './helpers/trustData';

describe('trust metrics: definitions', () => {
  it('AUROC counts ties one half and is P(out > in) otherwise', () => {
    expect(auroc([1, 2], [3, 4])).toBe(1);
    expect(auroc([3, 4], [1, 2])).toBe(0);
    expect(auroc([1, 1], [1, 1])).toBe(0.5);
    // pairs: (1,1) ½, (1,2) 1, (3,1) 0, (3,2) 0 → 1.5 / 4
    expect(auroc([1, 3], [1, 2])).toBe(0.375);
    expect(auroc([], [1])).toBeNull();
    expect(() => auroc([1, Number.NaN], [2])).toThrow(/NaN/);
  });

  it('AUROC equals training/evaluate.py on random scores with many ties', () => {
    const rng = new MT19937(7);
    const u = Array.from({ length: 70 }, () => rng.nextUint32() / 2 ** 32);
    const inScores = u.slice(0, 30).map((v) => Math.round(v * 20) / 4);
    const outScores = u.slice(30).map((v) => Math.round(v * 24) / 4);
    const script = `import sys, json; sys.path.insert(0, ${JSON.stringify(join(import.meta.dirname, '..', 'training'))}); import numpy as np; from evaluate import auroc; a = json.loads(sys.argv[1]); print(repr(auroc(np.array(a[0]), np.array(a[1]))))`;
    const expected = Number(execFileSync(requirePythonTorch(), ['-c', script, JSON.stringify([inScores, outScores])], { encoding: 'utf8' }).trim());
    console.log('AUROC with ties', { ours: auroc(inScores, outScores), evaluatePy: expected });
    expect(Math.abs((auroc(inScores, outScores) ?? Number.NaN) - expected)).toBeLessThan(1e-12);
  });

  it('the ROC curve runs from (0, 0) to (1, 1) and its area is the AUROC', () => {
    const inScores = [0.1, 0.4, 0.4, 0.8, 0.3];
    const outScores = [0.4, 0.9, 0.7, 0.2];
    const points = rocCurve(inScores, outScores);
    expect(points[0]).toMatchObject({ falsePositive: 0, truePositive: 0 });
    expect(points.at(-1)).toMatchObject({ falsePositive: 1, truePositive: 1 });
    let area = 0;
    for (let i = 1; i < points.length; i++)
      area += ((points[i].falsePositive - points[i - 1].falsePositive) * (points[i].truePositive + points[i - 1].truePositive)) / 2;
    expect(area).toBeCloseTo(auroc(inScores, outScores) ?? Number.NaN, 12);
  });

  it('ECE puts a confidence on an edge in the lower bin, and exactly 1/15 in the first', () => {
    const edge = 2 / 15;
    const result = calibration([
      { predicted: 0, confidence: 1 / 15, label: 0 },
      { predicted: 0, confidence: edge, label: 1 },
      { predicted: 1, confidence: 1, label: 1 },
    ]);
    expect(result?.bins.map((b) => b.count).slice(0, 2)).toEqual([1, 1]);
    expect(result?.bins[14].count).toBe(1);
    expect(result?.ece).toBeCloseTo(((1 - 1 / 15) * 1 + edge * 1 + 0) / 3, 15);
  });

  it('the confusion matrix counts label → prediction, and top confusions leave out the right ones', () => {
    const outcomes = [
      { predicted: 1, confidence: 0.9, label: 0 },
      { predicted: 1, confidence: 0.9, label: 0 },
      { predicted: 2, confidence: 0.9, label: 1 },
      { predicted: 2, confidence: 0.9, label: 2 },
    ];
    expect(confusionMatrix(outcomes, 3)).toEqual([
      [0, 2, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
    expect(topConfusions(outcomes, 5)).toEqual([
      { label: 0, predicted: 1, count: 2 },
      { label: 1, predicted: 2, count: 1 },
    ]);
    expect(accuracy(outcomes)).toBe(0.25);
  });
});

describe('trust metrics equal training/evaluate.py on MNIST and Fashion-MNIST through mnist-beta2', () => {
  let model: GenerativeClassifier;
  let python: string;
  beforeAll(async () => {
    python = requirePythonTorch();
    await chooseBackend(['wasm']);
    tf.enableProdMode();
    model = await loadClassifier(nodePackageFiles('public/models/mnist-beta2'));
  }, 120_000);

  async function run(set: DigitSet): Promise<{ outcomes: ImageOutcome[]; logits: number[][] }> {
    const outcomes: ImageOutcome[] = [];
    const logits: number[][] = [];
    const k = model.spec.classes.length;
    for (let start = 0; start < set.images.length; start += 50) {
      const chunk = set.images.slice(start, start + 50);
      const data = new Float32Array(chunk.length * 784);
      for (const [i, pixels] of chunk.entries()) data.set(normalizePixels({ width: 28, height: 28, channels: 1, pixels }, model.spec), i * 784);
      const x = tf.tensor4d(data, [chunk.length, 28, 28, 1]);
      try {
        const result = await classifyOutcomes(model, x);
        outcomes.push(...result.outcomes);
        for (let i = 0; i < chunk.length; i++) logits.push(Array.from(result.logits.subarray(i * k, (i + 1) * k)));
      } finally {
        x.dispose();
      }
    }
    return { outcomes, logits };
  }

  it('accuracy exactly, ECE with its bins and the typicality AUROC within 1e-6', async () => {
    const digits = await mnistTestDigits(300);
    const fashion = await fashionTestImages(200);
    const mnist = await run(digits);
    const ood = await run(fashion);
    const labelled = mnist.outcomes.map((o, i) => ({ ...o, label: digits.labels[i] }));
    const mean = (model.spec.card.typicality as { mean: number }).mean;
    const inScores = mnist.outcomes.map((o) => typicalityScore(o.negLogPx, mean));
    const outScores = ood.outcomes.map((o) => typicalityScore(o.negLogPx, mean));
    const ours = { accuracy: accuracy(labelled), calibration: calibration(labelled), auroc: auroc(inScores, outScores) };
    const theirs = pythonTrustMetrics(python, {
      logits: mnist.logits,
      labels: Array.from(digits.labels),
      in_neg_log_px: mnist.outcomes.map((o) => o.negLogPx),
      out_neg_log_px: ood.outcomes.map((o) => o.negLogPx),
      mean,
    });
    expect(ours.accuracy).toBe(theirs.accuracy);
    // A trained model is far from chance here, and far from perfect OOD detection: the numbers are informative.
    expect(ours.accuracy).toBeGreaterThan(0.9);
    expect(Math.abs((ours.calibration?.ece ?? Number.NaN) - (theirs.ece ?? Number.NaN))).toBeLessThan(1e-6);
    expect(ours.calibration?.bins.map((b) => b.count)).toEqual(theirs.bins?.map((b) => b.count));
    for (const [i, b] of (ours.calibration?.bins ?? []).entries()) {
      const t = theirs.bins?.[i];
      expect(b.lower).toBeCloseTo(t?.lower ?? Number.NaN, 6);
      if (b.meanConfidence === null) expect(t?.mean_confidence).toBeNull();
      else expect(Math.abs(b.meanConfidence - (t?.mean_confidence ?? Number.NaN))).toBeLessThan(1e-12);
    }
    expect(Math.abs((ours.auroc ?? Number.NaN) - (theirs.auroc ?? Number.NaN))).toBeLessThan(1e-6);
    expect(ours.auroc).toBeGreaterThan(0.8);
    // The top-1 class and its probability alone give evaluate.py the same calibration (the browser test sends only these).
    const fromTop = pythonTrustMetrics(python, {
      predicted: mnist.outcomes.map((o) => o.predicted),
      confidence: mnist.outcomes.map((o) => o.confidence),
      classes: 10,
      labels: Array.from(digits.labels),
    });
    expect(fromTop.accuracy).toBe(theirs.accuracy);
    expect(Math.abs((fromTop.ece ?? Number.NaN) - (theirs.ece ?? Number.NaN))).toBeLessThan(1e-12);
    console.log(
      `300 MNIST + 200 Fashion-MNIST: accuracy ${ours.accuracy}, ECE ${ours.calibration?.ece} (python ${theirs.ece}), AUROC ${ours.auroc} (python ${theirs.auroc})`,
    );
  }, 300_000);
});
