import { describe, expect, it } from 'vitest';
import { formatSliderId, parseSliderId, type SliderId, sameSlider } from '../src/explain/sliderId';
import { listedSliders, readSliders, unlistedSliders, writeSliders } from '../src/state/sliders';
import type { LatentGuide } from '../src/worker/protocol';

const guide = {
  a: 0,
  b: 3,
  separating: [{ index: 7 }, { index: 12 }],
  principalStd: [1, 0.5],
} as unknown as LatentGuide;

describe('slider ids', () => {
  const ids: [string, SliderId][] = [
    ['toward-0', { kind: 'toward', to: 0 }],
    ['toward-999', { kind: 'toward', to: 999 }],
    ['dim-6911', { kind: 'dimension', index: 6911 }],
    ['pc-0', { kind: 'principal', index: 0 }],
    ['pc-31', { kind: 'principal', index: 31 }],
    ['residual', { kind: 'residual' }],
  ];

  it.each(ids)('reads and writes %s', (text, id) => {
    expect(parseSliderId(text)).toEqual(id);
    expect(formatSliderId(id)).toBe(text);
  });

  it('names each slider once: only the same id is the same slider', () => {
    for (const [, a] of ids) for (const [, b] of ids) expect(sameSlider(a, b)).toBe(a === b);
  });

  it.each([
    '',
    'residual-0',
    'Residual',
    'pc',
    'pc-',
    'pc--1',
    'pc-1.5',
    'pc-01',
    'pc-1e3',
    'dim-1234567890',
    'toward-3 ',
    ' dim-1',
    'class-1',
    'constructor',
    '__proto__',
  ])('reads no slider from "%s"', (text) => expect(parseSliderId(text)).toBeNull());
});

describe('sliders a link sets but the editor does not list', () => {
  it('lists toward the contrast, the separating dimensions, the principal directions and the residual', () => {
    expect(listedSliders(3, guide).map(formatSliderId)).toEqual(['toward-3', 'dim-7', 'dim-12', 'pc-0', 'pc-1', 'residual']);
  });

  it('returns the moved sliders that are not listed, each with a range that holds its amount', () => {
    const sliders = readSliders([
      { direction: 'dim-7', amount: 1 },
      { direction: 'dim-6911', amount: -8 },
      { direction: 'pc-5', amount: 0.5 },
      { direction: 'toward-1', amount: 0.4 },
      { direction: 'residual', amount: -1 },
    ]);
    expect(unlistedSliders(sliders, 3, guide).map((s) => ({ ...s, direction: formatSliderId(s.direction) }))).toEqual([
      { direction: 'dim-6911', amount: -8, min: -16, max: 16 },
      { direction: 'pc-5', amount: 0.5, min: -3, max: 3 },
      { direction: 'toward-1', amount: 0.4, min: 0, max: 1.5 },
    ]);
    expect(unlistedSliders(sliders.slice(0, 1), 3, guide)).toEqual([]);
  });

  it('reads the sliders a link writes, leaving out ids this version does not have', () => {
    const written = [
      { direction: 'toward-2', amount: 0.5 },
      { direction: 'constructor', amount: 2 },
      { direction: 'pc-3', amount: -1 },
    ];
    const sliders = readSliders(written);
    expect(sliders).toEqual([
      { direction: { kind: 'toward', to: 2 }, amount: 0.5 },
      { direction: { kind: 'principal', index: 3 }, amount: -1 },
    ]);
    expect(writeSliders(sliders)).toEqual([written[0], written[2]]);
  });
});
