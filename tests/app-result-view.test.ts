import { describe, expect, it } from 'vitest';
import { posteriorBars, topClasses } from '../src/state/resultView';

describe('result view', () => {
  it('ranks classes by posterior, ties by index, with their log-likelihoods', () => {
    const ranked = topClasses([0.25, 0.5, 0.25], [-100, -101, -102], ['a', 'b', 'c'], 3);
    expect(ranked.map((c) => [c.label, c.probability, c.beside])).toEqual([
      ['b', 0.5, -101],
      ['a', 0.25, -100],
      ['c', 0.25, -102],
    ]);
  });

  it('keeps the same top classes as a full sort, for any count, without sorting all of them', () => {
    const posterior = Array.from({ length: 1000 }, (_, y) => ((y * 7919) % 1009) / 1009 + (y % 13 === 0 ? 0.5 : 0));
    const beside = posterior.map((_, y) => -y);
    const sorted = posterior.map((p, y) => ({ p, y })).sort((a, b) => b.p - a.p || a.y - b.y);
    for (const count of [1, 2, 9, 1000])
      expect(topClasses(posterior, beside, [], count).map((c) => c.classIndex)).toEqual(sorted.slice(0, count).map((s) => s.y));
  });

  it('gathers the classes past the shown bars into one, so that the bars still sum to 1', () => {
    const posterior = Array.from({ length: 30 }, (_, y) => (y + 1) / 465);
    const bars = posteriorBars(
      Float32Array.from(posterior),
      posterior.map(() => 0),
      [],
      12,
    );
    expect(bars).toHaveLength(12);
    expect(bars[0]).toMatchObject({ classIndex: 29, label: 'class 29' });
    expect(bars[11]).toMatchObject({ key: 'rest', classIndex: null, label: '19 other classes' });
    expect(bars.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 6);
  });

  it('shows every class when they fit', () => {
    expect(posteriorBars([0.1, 0.9], [0, 0], ['x', 'y'], 12).map((b) => b.key)).toEqual(['1', '0']);
  });
});
