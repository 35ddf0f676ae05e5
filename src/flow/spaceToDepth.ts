import * as tf from '@tensorflow/tfjs';

/**
 * [B, H, W, C] → [B, H/2, W/2, 4C] with output channel 4c + k holding input channel c at
 * offset k = 2·dy + dx, the order of the reference's grouped stride-2 convolution.
 * (tf.depthToSpace orders channels k-major, so it cannot serve.)
 */
export function spaceToDepth(x: tf.Tensor): tf.Tensor {
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [b * (h / 2), 2, w / 2, 2, c]), [0, 2, 4, 1, 3]), [b, h / 2, w / 2, 4 * c]));
}

/** Inverse of spaceToDepth. */
export function depthToSpace(y: tf.Tensor): tf.Tensor {
  const [b, h, w, c4] = y.shape;
  const c = c4 / 4;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(y, [b * h, w, c, 2, 2]), [0, 3, 1, 4, 2]), [b, 2 * h, 2 * w, c]));
}

/** Per-sample sum over every axis but the first. */
export function sumPerSample(x: tf.Tensor): tf.Tensor {
  return tf.sum(tf.reshape(x, [x.shape[0], -1]), 1);
}
