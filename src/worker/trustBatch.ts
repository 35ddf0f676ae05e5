import * as tf from '@tensorflow/tfjs';
import { classifyOutcomes } from '../explain/trustOutcomes';
import type { TrustImage, TrustImageResult } from './protocol';
import { prepareInput, requireModel } from './session';

/**
 * Decodes and preprocesses one batch of a trust report exactly as a single image (prepareInput), then
 * classifies the batch in one forward pass. An image that cannot be read is skipped with its reason.
 */
export async function trustBatch(images: TrustImage[], signal: AbortSignal): Promise<TrustImageResult[]> {
  const m = requireModel();
  const { channels, height, width } = m.spec.input;
  const size = channels * height * width;
  const results: (TrustImageResult | null)[] = [];
  const inputs: Float32Array[] = [];
  for (const { name, file } of images) {
    if (signal.aborted) throw new Error('canceled');
    try {
      inputs.push((await prepareInput({ kind: 'file', file, name }, m)).data);
      results.push(null);
    } catch (e) {
      results.push({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  if (inputs.length) {
    const data = new Float32Array(inputs.length * size);
    for (const [i, x] of inputs.entries()) data.set(x, i * size);
    const x = tf.tensor4d(data, [inputs.length, height, width, channels]);
    try {
      const { outcomes } = await classifyOutcomes(m, x);
      let next = 0;
      for (let i = 0; i < results.length; i++) if (results[i] === null) results[i] = { ok: true, ...outcomes[next++] };
    } finally {
      x.dispose();
    }
  }
  return results as TrustImageResult[];
}
