/** Latents as flat rows [z_fc, z_conv], and the inverse pass that turns them back into images. */
import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';
import { yieldUnlessAborted } from './checks';

type Latent = Pick<ModelSpec, 'latent'>;

/** The z_fc and z_conv tensors of `count` flat latents; call inside tf.tidy. */
export function splitLatents({ latent }: Latent, latents: Float32Array, count: number): [tf.Tensor2D, tf.Tensor2D] {
  const z = tf.tensor2d(latents, [count, latent.fcDims + latent.convDims]);
  return tf.split<tf.Tensor2D>(z, [latent.fcDims, latent.convDims], 1) as [tf.Tensor2D, tf.Tensor2D];
}

/** Flat latents from their two parts, `count` rows of each. */
export function joinLatents({ latent }: Latent, zFc: Float32Array, zConv: Float32Array, count: number): Float32Array {
  const { fcDims, convDims } = latent;
  if (zFc.length !== count * fcDims || zConv.length !== count * convDims)
    throw new RangeError(`${count} latent(s) need ${count * fcDims} z_fc and ${count * convDims} z_conv values, got ${zFc.length} and ${zConv.length}`);
  const rows = new Float32Array(count * (fcDims + convDims));
  for (let i = 0; i < count; i++) {
    rows.set(zFc.subarray(i * fcDims, (i + 1) * fcDims), i * (fcDims + convDims));
    rows.set(zConv.subarray(i * convDims, (i + 1) * convDims), i * (fcDims + convDims) + fcDims);
  }
  return rows;
}

/**
 * x = f⁻¹(z) of `count` flat latents in one inverse pass, read back as normalized NHWC; no tensor outlives the call.
 * The pass yields between layers: an abort of `signal` stops it within one layer.
 */
export async function decodeLatentBatch(
  model: Pick<GenerativeClassifier, 'spec' | 'decodePausing'>,
  latents: Float32Array,
  count: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const [zFc, zConv] = tf.tidy(() => splitLatents(model.spec, latents, count));
  const x = await model.decodePausing(zFc, zConv, () => yieldUnlessAborted(signal)).finally(() => tf.dispose([zFc, zConv]));
  try {
    return (await x.data()) as Float32Array;
  } finally {
    x.dispose();
  }
}
