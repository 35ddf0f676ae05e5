import { describe, expect, it } from 'vitest';
import { listedSliders, unlistedSliders } from '../src/state/sliders';
import type { LatentGuide } from '../src/worker/protocol';

const guide = {
  a: 0,
  b: 3,
  separating: [{ index: 7 }, { index: 12 }],
  principalStd: [1, 0.5],
} as unknown as LatentGuide;

describe('sliders a link sets but the editor does not list', () => {
  it('lists toward the contrast, the separating dimensions, the principal directions and the residual', () => {
    expect(listedSliders(3, guide)).toEqual(['toward-3', 'dim-7', 'dim-12', 'pc-0', 'pc-1', 'residual']);
  });

  it('returns the moved sliders that are not listed, each with a range that holds its amount', () => {
    const sliders = [
      { direction: 'dim-7', amount: 1 },
      { direction: 'dim-6911', amount: -8 },
      { direction: 'pc-5', amount: 0.5 },
      { direction: 'toward-1', amount: 0.4 },
      { direction: 'residual', amount: -1 },
    ];
    expect(unlistedSliders(sliders, 3, guide)).toEqual([
      { direction: 'dim-6911', amount: -8, min: -16, max: 16 },
      { direction: 'pc-5', amount: 0.5, min: -3, max: 3 },
      { direction: 'toward-1', amount: 0.4, min: 0, max: 1.5 },
    ]);
    expect(unlistedSliders(sliders.slice(0, 1), 3, guide)).toEqual([]);
  });
});
