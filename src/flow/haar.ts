import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../formats/modelSpec';
import type { InvertibleLayer } from './layer';
import { depthToSpace, spaceToDepth } from './spaceToDepth';

type HaarSpec = Extract<LayerSpec, { type: 'haar' }>;

/** Rows: the four 2x2 Haar filters over the pixels (0,0), (0,1), (1,0), (1,1). */
const HAAR = [
  [1, 1, 1, 1],
  [1, -1, 1, -1],
  [1, 1, -1, -1],
  [1, -1, -1, 1],
];

/**
 * Haar downsampling ordered by wavelet: output channel k·C + c is filter k on channel c,
 * scaled by 0.5 · rebalance. Since HAARᵀ·HAAR = 4I, the inverse is HAARᵀ / (2 · rebalance).
 */
export class HaarDownsampling implements InvertibleLayer {
  readonly type = 'haar';
  readonly name: string;
  private readonly channels: number;
  private readonly forwardFactor: number;
  private readonly filters: tf.Tensor;

  constructor(spec: HaarSpec) {
    this.name = spec.name;
    this.channels = spec.channels;
    this.forwardFactor = 0.5 * spec.rebalance;
    this.filters = tf.tensor2d(HAAR);
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const pixels = tf.reshape(spaceToDepth(x), [-1, 4]);
      const bands = tf.mul(tf.matMul(pixels, this.filters, false, true), this.forwardFactor);
      const y = tf.reshape(tf.transpose(tf.reshape(bands, [b, h / 2, w / 2, c, 4]), [0, 1, 2, 4, 3]), [b, h / 2, w / 2, 4 * c]);
      // |det| per 2x2 block: det(HAAR) = 16, times forwardFactor⁴.
      const logDet = ((h * w * c) / 4) * (Math.log(16) + 4 * Math.log(this.forwardFactor));
      return { y, logDet: tf.fill([b], logDet) };
    });
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [b, h, w] = y.shape;
      const c = this.channels;
      const bands = tf.reshape(tf.transpose(tf.reshape(y, [b, h, w, 4, c]), [0, 1, 2, 4, 3]), [-1, 4]);
      const pixels = tf.mul(tf.matMul(bands, this.filters), 1 / (4 * this.forwardFactor));
      return depthToSpace(tf.reshape(pixels, [b, h, w, 4 * c]));
    });
  }

  dispose(): void {
    this.filters.dispose();
  }
}
