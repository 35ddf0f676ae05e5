import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../formats/modelSpec';
import { ActNormPermute } from './actNormPermute';
import type { InvertibleLayer } from './layer';
import { sumPerSample } from './spaceToDepth';
import { Subnet } from './subnet';
import type { WeightStore } from './weightStore';

type CouplingSpec = Extract<LayerSpec, { type: 'coupling' }>;

/**
 * All-in-one affine coupling: x2' = x2 · exp(clamp · tanh(0.1 a_s)) + 0.1 a_t with a = s(x1),
 * then act-norm and a fixed channel permutation.
 */
export class AffineCoupling implements InvertibleLayer {
  readonly type = 'coupling';
  readonly name: string;
  private readonly len1: number;
  private readonly len2: number;
  private readonly clamp: number;
  private readonly subnet: Subnet;
  private readonly actNorm: ActNormPermute;

  constructor(spec: CouplingSpec, weights: WeightStore) {
    this.name = spec.name;
    this.len2 = Math.floor(spec.channels / 2);
    this.len1 = spec.channels - this.len2;
    this.clamp = spec.clamp;
    this.subnet = new Subnet(spec.subnet, weights);
    this.actNorm = new ActNormPermute(spec.actNorm, weights);
  }

  private logScaleAndShift(x1: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const a = this.subnet.apply(x1);
    const [s, t] = tf.split(a, [this.len2, this.len2], 3);
    return [tf.mul(this.clamp, tf.tanh(tf.mul(0.1, s))), tf.mul(0.1, t)];
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(x, [this.len1, this.len2], 3);
      const [logS, shift] = this.logScaleAndShift(x1);
      const y2 = tf.add(tf.mul(x2, tf.exp(logS)), shift);
      const [, h, w] = x.shape;
      const y = this.actNorm.forward(tf.concat([x1, y2], 3));
      return { y, logDet: tf.add(sumPerSample(logS), this.actNorm.logDet(h, w)) };
    });
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [x1, y2] = tf.split(this.actNorm.inverse(y), [this.len1, this.len2], 3);
      const [logS, shift] = this.logScaleAndShift(x1);
      return tf.concat([x1, tf.mul(tf.sub(y2, shift), tf.exp(tf.neg(logS)))], 3);
    });
  }

  dispose(): void {
    this.subnet.dispose();
    this.actNorm.dispose();
  }
}
