import { describe, expect, it } from 'vitest';
import { linesWithMovingLabel, placeLabels } from '../src/ui/stripLabels';

/** Labels from [mark x, label width] pairs. */
const labels = (...marks: [number, number][]) => marks.map(([x, width]) => ({ x, width }));

const spans = (placed: { x: number; width: number }[], stripWidth: number) =>
  placeLabels(placed, stripWidth).map((p, i) => ({ line: p.line, from: p.center - placed[i].width / 2, to: p.center + placed[i].width / 2 }));

describe('latent strip labels', () => {
  it('keeps labels that do not touch on the first line, at their marks', () => {
    expect(placeLabels(labels([40, 20], [100, 30], [200, 10]), 300)).toEqual([
      { line: 0, center: 40 },
      { line: 0, center: 100 },
      { line: 0, center: 200 },
    ]);
  });

  it('never lets two long class names on one line touch, however close their marks (ImageNet names under a 480 px strip)', () => {
    // μ water buffalo, μ pan flute, z′
    const placed = spans(labels([210, 92], [250, 70], [246, 12]), 480);
    for (let i = 0; i < placed.length; i++)
      for (let j = i + 1; j < placed.length; j++)
        if (placed[i].line === placed[j].line) expect(placed[i].to + 6 <= placed[j].from || placed[j].to + 6 <= placed[i].from, `${i} / ${j}`).toBe(true);
    expect(placed.map((p) => p.line)).toEqual([0, 1, 2]);
  });

  it('moves a label at the strip’s edge inward so that it is not clipped', () => {
    const [left, right] = spans(labels([3, 60], [298, 60]), 300);
    expect(left).toEqual({ line: 0, from: 0, to: 60 });
    expect(right).toEqual({ line: 0, from: 240, to: 300 });
  });

  it('keeps room for the moving label: one line more than the fixed labels take, wherever it goes', () => {
    for (const at of [0, 60, 110, 140, 300]) {
      const placed = placeLabels(labels([100, 80], [120, 80], [at, 12]), 300);
      expect(linesWithMovingLabel(placed)).toBe(3);
      expect(placed[2].line).toBeLessThan(3);
    }
    expect(linesWithMovingLabel(placeLabels(labels([20, 20], [200, 20], [100, 12]), 300))).toBe(2);
  });
});
