import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../../src/flow/classifier';
import { DispatchCounter } from './dawnNode';

export interface PassDispatches {
  /** x → z and log|det J|. */
  forward: number;
  /** z → logits and p(y|x). */
  posterior: number;
  /** z → x. */
  inverse: number;
  byProgram: { forward: Record<string, number>; posterior: Record<string, number>; inverse: Record<string, number> };
}

/** WebGPU dispatches of one forward, posterior and inverse at batch 1 on the active (webgpu) backend. */
export async function countPassDispatches(model: GenerativeClassifier): Promise<PassDispatches> {
  const { channels: c, height: h, width: w } = model.spec.input;
  const x = tf.randomNormal([1, h, w, c]);
  const forward = DispatchCounter.count(() => model.flow.forward(x));
  const [zFc, zConv] = tf.split(forward.result.z, [model.spec.latent.fcDims, model.spec.latent.convDims], 1);
  const posterior = DispatchCounter.count(() => model.mixture.evaluate(zFc, zConv));
  const inverse = DispatchCounter.count(() => model.decode(zFc, zConv));
  await inverse.result.data();
  tf.dispose([x, forward.result.z, forward.result.logDet, zFc, zConv, posterior.result.logits, posterior.result.posterior, inverse.result]);
  return {
    forward: forward.total,
    posterior: posterior.total,
    inverse: inverse.total,
    byProgram: { forward: forward.byProgram, posterior: posterior.byProgram, inverse: inverse.byProgram },
  };
}
