import * as tf from '@tensorflow/tfjs';
import { int, type JsonObject, num, str } from '../../formats/jsonFields';
import type { InvertibleLayer } from '../layer';
import { depthToSpace, spaceToDepth } from '../spaceToDepth';
import { halvedInput, type LayerDefinition, nodeTensor } from './definition';

export interface HaarSpec {
  type: 'haar';
  name: string;
  channels: number;
  rebalance: number;
}

/** FrEIA's HaarDownsampling with order_by_wavelet; in the state dict: haar_weights [4C, 1, 2, 2]. */
export const haarLayer: LayerDefinition<HaarSpec> = {
  type: 'haar',
  parse: (raw: JsonObject, path: string): HaarSpec => ({
    type: 'haar',
    name: str(raw, 'name', path),
    channels: int(raw, 'channels', path, 1),
    rebalance: num(raw, 'rebalance', path, Number.MIN_VALUE),
  }),
  outputShape: halvedInput,
  checkWeights() {},
  build: (spec) => new HaarDownsampling(spec),
  checkpoint: {
    matches: (node) => node.tensors.has('haar_weights'),
    inputChannels: (node) => (node.tensors.get('haar_weights')?.shape[0] ?? NaN) / 4,
    async convert(node, [, , c], { constants }) {
      nodeTensor(node, 'haar_weights', [4 * c, 1, 2, 2]);
      return { type: 'haar', name: node.name, channels: c, rebalance: constants.haarRebalance };
    },
  },
};

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
