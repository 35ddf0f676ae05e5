import { describe, expect, it } from 'vitest';
import { type FullSizeResult, fullSizeTable } from '../tools/lib/benchFullSize';
import { medians } from '../tools/lib/explorerProbe';

const settings = { drops: 3, busyDrops: 1, sliderSteps: 3, mapReps: 1, steps: 4, patch: 56, stride: 56, samples: 2, checkpoint: null };

function result(change: Partial<FullSizeResult>): FullSizeResult {
  return {
    settings,
    checkpointBytes: 566_538_577,
    classes: 1000,
    conversion: null,
    drop: medians([
      { shownMs: 900, stateMs: 850, workerMs: 800, forwardMs: 700 },
      { shownMs: 800, stateMs: 790, workerMs: 780, forwardMs: 690 },
      { shownMs: 1000, stateMs: 990, workerMs: 980, forwardMs: 710 },
    ]),
    busyDrop: null,
    slider: medians([{ shownMs: 1000, stateMs: 990, workerMs: 980, inverseMs: 700 }]),
    maps: {},
    samples: null,
    interpolation: null,
    forwardMs: 700,
    inverseMs: 700,
    ...change,
  };
}

const line = (table: string, start: string) => table.split('\n').find((l) => l.startsWith(start)) ?? '';

describe('the full-size benchmark table', () => {
  it('takes medians of what each sample reports', () => {
    const m = medians([
      { shownMs: 3, stateMs: 2 },
      { shownMs: 1, stateMs: 1, workerMs: 5 },
      { shownMs: 2, stateMs: 4, workerMs: 7 },
    ]);
    expect(m).toEqual({ shownMs: 2, stateMs: 2, workerMs: 6, forwardMs: null, inverseMs: null });
  });

  it('puts the model pass beside drop and slider and judges the ratios against 1.2× and 1.3×', () => {
    const table = fullSizeTable(result({}));
    // Drop: median shown 900 over a 700 ms forward pass = 1.29×, over 1.2×.
    expect(line(table, 'drop → posteriors (settled page)')).toMatch(/900 .* forward 700 +1\.29× +≤ 1\.2× MISSED/);
    // Slider: 1000 over 700 = 1.43×.
    expect(line(table, 'slider step → image')).toMatch(/inverse 700 +1\.43× +≤ 1\.3× MISSED/);
    const met = fullSizeTable(result({ forwardMs: 800, inverseMs: 800 }));
    expect(line(met, 'drop → posteriors (settled page)')).toMatch(/1\.13× +≤ 1\.2× met/);
    expect(line(met, 'slider step → image')).toMatch(/1\.25× +≤ 1\.3× met/);
  });

  it('judges nothing without the model pass, and says what went wrong', () => {
    const table = fullSizeTable(result({ forwardMs: null, problem: 'the converted model was not shown within 900 s' }));
    expect(line(table, 'drop → posteriors (settled page)')).not.toMatch(/met|MISSED|\d\.\d\d×/);
    expect(table).toContain('problem: the converted model was not shown within 900 s');
  });
});
