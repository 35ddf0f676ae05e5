import * as tf from '@tensorflow/tfjs';
import { yieldUnlessAborted } from '../explain/checks';
import { classifyOutcomes } from '../explain/trustOutcomes';
import type { GenerativeClassifier } from '../flow/classifier';
import type { TrustImage, TrustImageResult } from './protocol';
import { prepareInput, requireModel } from './session';

/**
 * Decodes and preprocesses one batch of a trust report exactly as a single image (prepareInput), then
 * classifies the batch in one forward pass. An image that cannot be read or classified is skipped with its reason.
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
  const outcomes = await classifyEach(m, inputs, size, signal);
  let next = 0;
  for (let i = 0; i < results.length; i++) if (results[i] === null) results[i] = outcomes[next++];
  return results as TrustImageResult[];
}

/** One forward pass for the batch; if it fails (a non-finite output), image by image, so that only the bad ones are skipped. */
async function classifyEach(m: GenerativeClassifier, inputs: Float32Array[], size: number, signal: AbortSignal): Promise<TrustImageResult[]> {
  if (!inputs.length) return [];
  const { channels, height, width } = m.spec.input;
  const data = new Float32Array(inputs.length * size);
  for (const [i, x] of inputs.entries()) data.set(x, i * size);
  const x = tf.tensor4d(data, [inputs.length, height, width, channels]);
  try {
    // A batch at 224² takes seconds: between its layers, a new image or a slider step is answered.
    return (await classifyOutcomes(m, x, () => yieldUnlessAborted(signal))).outcomes.map((o) => ({ ok: true, ...o }));
  } catch (e) {
    if (signal.aborted) throw e;
    if (inputs.length === 1) return [{ ok: false, error: `the model could not classify it: ${e instanceof Error ? e.message : String(e)}` }];
    const each: TrustImageResult[] = [];
    for (const input of inputs) each.push(...(await classifyEach(m, [input], size, signal)));
    return each;
  } finally {
    x.dispose();
  }
}
