import { describe, expect, it } from 'vitest';
import type { ClassifierResult } from '../src/flow/classifier';
import { posteriorBars, rankedClasses } from '../src/state/resultView';

function result(posterior: number[]): ClassifierResult {
  return {
    classes: posterior.length,
    posterior: Float32Array.from(posterior),
    logLikelihood: Float64Array.from(posterior, (_, y) => -100 - y),
  } as unknown as ClassifierResult;
}

describe('result view', () => {
  it('ranks classes by posterior, ties by index, with their log-likelihoods', () => {
    const ranked = rankedClasses(result([0.25, 0.5, 0.25]), ['a', 'b', 'c']);
    expect(ranked.map((c) => [c.label, c.probability, c.beside])).toEqual([
      ['b', 0.5, -101],
      ['a', 0.25, -100],
      ['c', 0.25, -102],
    ]);
  });

  it('gathers the classes past the shown bars into one, so that the bars still sum to 1', () => {
    const posterior = Array.from({ length: 30 }, (_, y) => (y + 1) / 465);
    const bars = posteriorBars(rankedClasses(result(posterior), []), 12);
    expect(bars).toHaveLength(12);
    expect(bars[0]).toMatchObject({ classIndex: 29, label: 'class 29' });
    expect(bars[11]).toMatchObject({ key: 'rest', classIndex: null, label: '19 other classes' });
    expect(bars.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 6);
  });

  it('shows every class when they fit', () => {
    expect(posteriorBars(rankedClasses(result([0.1, 0.9]), ['x', 'y']), 12).map((b) => b.key)).toEqual(['1', '0']);
  });
});
