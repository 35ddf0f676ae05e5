import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { joinLatents, splitLatents } from '../src/explain/latentDecode';

const spec = { latent: { fcDims: 2, convDims: 3 } } as Parameters<typeof joinLatents>[0];

describe('flat latents', () => {
  it('joins the two parts row by row and splits them back', async () => {
    const zFc = Float32Array.of(1, 2, 6, 7);
    const zConv = Float32Array.of(3, 4, 5, 8, 9, 10);
    const rows = joinLatents(spec, zFc, zConv, 2);
    expect(Array.from(rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const parts = tf.tidy(() => splitLatents(spec, rows, 2));
    expect(parts.map((t) => t.shape)).toEqual([
      [2, 2],
      [2, 3],
    ]);
    expect(Array.from(await parts[0].data())).toEqual(Array.from(zFc));
    expect(Array.from(await parts[1].data())).toEqual(Array.from(zConv));
    tf.dispose(parts);
  });

  it('refuses parts of the wrong length', () => {
    expect(() => joinLatents(spec, new Float32Array(2), new Float32Array(3), 2)).toThrow(RangeError);
    expect(() => joinLatents(spec, new Float32Array(4), new Float32Array(7), 2)).toThrow(RangeError);
  });
});
