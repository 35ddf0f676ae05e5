import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from './classifier';

export interface PassTimes {
  /** Median milliseconds of x → z (flow only, result read back). */
  forward: number;
  /** Median ms of z → x. */
  inverse: number;
  /** Median ms of the Gaussian-mixture head: z → p(y|x). */
  posterior: number;
  reps: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function time(fn: () => Promise<void>, reps: number): Promise<number> {
  await fn(); // warm-up: shader compilation and allocation
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Times the three passes at batch 1 on the active backend; every pass reads its result back. */
export async function benchmarkClassifier(model: GenerativeClassifier, reps: number): Promise<PassTimes> {
  const { channels: c, height: h, width: w } = model.spec.input;
  const x = tf.randomNormal([1, h, w, c]) as tf.Tensor4D;
  const { z, logDet } = model.flow.forward(x);
  const [zFc, zConv] = tf.split(z, [model.spec.latent.fcDims, model.spec.latent.convDims], 1);
  try {
    const forward = await time(async () => {
      const out = model.flow.forward(x);
      await out.z.data();
      tf.dispose([out.z, out.logDet]);
    }, reps);
    const inverse = await time(async () => {
      const back = model.decode(zFc, zConv);
      await back.data();
      back.dispose();
    }, reps);
    const posterior = await time(async () => {
      const { logits, posterior } = model.mixture.evaluate(zFc, zConv);
      await posterior.data();
      tf.dispose([logits, posterior]);
    }, reps);
    return { forward, inverse, posterior, reps };
  } finally {
    tf.dispose([x, z, logDet, zFc, zConv]);
  }
}
