import type * as tf from '@tensorflow/tfjs';

/** The one contract every invertible layer keeps (as in FrEIA). Tensors are NHWC or flat [B, D], float32. */
export interface InvertibleLayer {
  readonly type: string;
  readonly name: string;
  /** y = f(x) and log|det df/dx| per sample, shape [B]. */
  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor };
  /** x = f⁻¹(y). */
  inverse(y: tf.Tensor): tf.Tensor;
  /** Frees the layer's weights. */
  dispose(): void;
}
