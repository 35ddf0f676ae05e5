import type * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import type { Pause } from '../flow/flow';
import { softmaxRow, topClass } from './trustMetrics';

/** What the trust report keeps of one image: a few numbers, not its logits. */
export interface ImageOutcome {
  /** Top-1 class of p(y|x) and its probability (float64 softmax of the float32 logits, as evaluate.py). */
  predicted: number;
  confidence: number;
  /** −log p(x) in nats of the normalized input. */
  negLogPx: number;
  bitsPerDim: number;
}

/** One forward pass over a normalized NHWC batch (pausing between layers, if asked); also returns the float32 logits [B·K] it read. */
export async function classifyOutcomes(model: GenerativeClassifier, x: tf.Tensor, pause?: Pause): Promise<{ outcomes: ImageOutcome[]; logits: Float32Array }> {
  const result = await model.classify(x, pause);
  const k = result.classes;
  const outcomes = Array.from({ length: result.batch }, (_, i) => {
    const { predicted, confidence } = topClass(softmaxRow(result.logits.subarray(i * k, (i + 1) * k)));
    return { predicted, confidence, negLogPx: -result.logEvidence[i], bitsPerDim: result.bitsPerDim[i] };
  });
  return { outcomes, logits: result.logits };
}
