import { describe, expect, it } from 'vitest';
import { linesWithMovingLabel, placeLabels } from '../src/ui/stripLabels';

const spans = (labels: { x: number; width: number }[], width: number) =>
  placeLabels(labels, width).map((p, i) => ({ line: p.line, from: p.center - labels[i].width / 2, to: p.center + labels[i].width / 2 }));

describe('latent strip labels', () => {
  it('keeps labels that do not touch on the first line, at their marks', () => {
    expect(
      placeLabels(
        [
          { x: 40, width: 20 },
          { x: 100, width: 30 },
          { x: 200, width: 10 },
        ],
        300,
      ),
    ).toEqual([
      { line: 0, center: 40 },
      { line: 0, center: 100 },
      { line: 0, center: 200 },
    ]);
  });

  it('never lets two long class names on one line touch, however close their marks (ImageNet names under a 480 px strip)', () => {
    const names = [
      { x: 210, width: 92 }, // μ water buffalo
      { x: 250, width: 70 }, // μ pan flute
      { x: 246, width: 12 }, // z′
    ];
    const placed = spans(names, 480);
    for (let i = 0; i < placed.length; i++)
      for (let j = i + 1; j < placed.length; j++)
        if (placed[i].line === placed[j].line) expect(placed[i].to + 6 <= placed[j].from || placed[j].to + 6 <= placed[i].from, `${i} / ${j}`).toBe(true);
    expect(placed.map((p) => p.line)).toEqual([0, 1, 2]);
  });

  it('moves a label at the strip’s edge inward so that it is not clipped', () => {
    const [left, right] = spans(
      [
        { x: 3, width: 60 },
        { x: 298, width: 60 },
      ],
      300,
    );
    expect(left).toEqual({ line: 0, from: 0, to: 60 });
    expect(right).toEqual({ line: 0, from: 240, to: 300 });
  });

  it('keeps room for the moving label: one line more than the fixed labels take, wherever it goes', () => {
    const fixed = [
      { x: 100, width: 80 },
      { x: 120, width: 80 },
    ];
    for (const at of [0, 60, 110, 140, 300]) {
      const placed = placeLabels([...fixed, { x: at, width: 12 }], 300);
      expect(linesWithMovingLabel(placed)).toBe(3);
      expect(placed[2].line).toBeLessThan(3);
    }
    expect(
      linesWithMovingLabel(
        placeLabels(
          [
            { x: 20, width: 20 },
            { x: 200, width: 20 },
            { x: 100, width: 12 },
          ],
          300,
        ),
      ),
    ).toBe(2);
  });
});
