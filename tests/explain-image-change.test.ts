import { describe, expect, it } from 'vitest';
import { HARD_TO_SEE_PSNR, imageChange, unseenFlip } from '../src/explain/imageChange';

const spec = { input: { channels: 2, height: 1, width: 2 }, preprocessing: { mean: [0.5, 0.1], std: [0.5, 0.25] } } as Parameters<typeof imageChange>[2];

describe('image change x′ − x in pixel units', () => {
  it('scales each channel by its std and averages the channels for the difference image', () => {
    // Pixel 0: channel 0 +0.2 normalized (0.1 in pixels), channel 1 −0.4 (−0.1); pixel 1: channel 0 +0.4 (0.2).
    const c = imageChange(Float32Array.of(0, 0, 1, 1), Float32Array.of(0.2, -0.4, 1.4, 1), spec);
    expect(c.l2).toBeCloseTo(Math.sqrt(0.01 + 0.01 + 0.04), 6);
    expect(c.rms).toBeCloseTo(Math.sqrt(0.06 / 4), 6);
    expect(c.maxAbs).toBeCloseTo(0.2, 6);
    expect(c.psnr).toBeCloseTo(-20 * Math.log10(Math.sqrt(0.06 / 4)), 5);
    expect(Array.from(c.difference).map((v) => Number(v.toFixed(6)))).toEqual([0, 0.1]);
    expect([c.width, c.height]).toEqual([2, 1]);
  });

  it('no change is infinitely hard to see; images of the wrong size are refused', () => {
    const x = Float32Array.of(0.3, 0.1, -2, 4);
    const c = imageChange(x, x, spec);
    expect([c.l2, c.maxAbs, c.psnr]).toEqual([0, 0, Infinity]);
    expect(() => imageChange(x, new Float32Array(3), spec)).toThrow(/4 values/);
  });

  it('reports a flip only when the top class changed and the change is hard to see', () => {
    const small = { psnr: HARD_TO_SEE_PSNR + 1 } as ReturnType<typeof imageChange>;
    const large = { psnr: HARD_TO_SEE_PSNR - 1 } as ReturnType<typeof imageChange>;
    expect(unseenFlip([0.9, 0.1, 0], [0.2, 0.7, 0.1], small)).toEqual({ from: 0, to: 1 });
    expect(unseenFlip([0.9, 0.1, 0], [0.2, 0.7, 0.1], large)).toBeNull();
    expect(unseenFlip([0.9, 0.1, 0], [0.6, 0.3, 0.1], small)).toBeNull();
  });
});
