import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../../src/flow/classifier';

export interface PassMs {
  /** x → z (flow only, result read back). */
  forward: number;
  /** z → x. */
  inverse: number;
  /** The Gaussian-mixture head: z → p(y|x). */
  posterior: number;
}

export interface PassTimes extends PassMs {
  reps: number;
  /** The cold passes (shader compilation, weight upload), when this call made them. */
  firstRun?: PassMs;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds of fn, result read back. Ops dispatch (and compile) synchronously, so the clock starts before the call. */
async function timed(fn: () => tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const out = fn();
  await out[out.length - 1].data();
  const ms = performance.now() - t0;
  tf.dispose(out);
  return ms;
}

interface Inputs {
  x: tf.Tensor4D;
  zFc: tf.Tensor;
  zConv: tf.Tensor;
  /** The time of the forward pass that made z: the cold forward on a fresh model. */
  forwardMs: number;
}

async function inverseAndPosterior(model: GenerativeClassifier, { zFc, zConv }: Inputs): Promise<Omit<PassMs, 'forward'>> {
  const inverse = await timed(() => [model.decode(zFc, zConv)]);
  const posterior = await timed(() => {
    const { logits, posterior: p } = model.mixture.evaluate(zFc, zConv);
    return [logits, p];
  });
  return { inverse, posterior };
}

async function passes(model: GenerativeClassifier, inputs: Inputs): Promise<PassMs> {
  const forward = await timed(() => {
    const { z, logDet } = model.flow.forward(inputs.x);
    return [logDet, z];
  });
  return { forward, ...(await inverseAndPosterior(model, inputs)) };
}

async function withInputs<T>(model: GenerativeClassifier, fn: (inputs: Inputs) => Promise<T>): Promise<T> {
  const { channels: c, height: h, width: w } = model.spec.input;
  const x = tf.randomNormal([1, h, w, c]) as tf.Tensor4D;
  await x.data();
  const t0 = performance.now();
  const { z, logDet } = model.flow.forward(x);
  await z.data();
  const forwardMs = performance.now() - t0;
  const [zFc, zConv] = tf.split(z, [model.spec.latent.fcDims, model.spec.latent.convDims], 1);
  tf.dispose([z, logDet]);
  try {
    return await fn({ x, zFc, zConv, forwardMs });
  } finally {
    tf.dispose([x, zFc, zConv]);
  }
}

/** The cold passes of a freshly loaded model: shader compilation and weight upload included. */
export function firstRunTimes(model: GenerativeClassifier): Promise<PassMs> {
  return withInputs(model, async (inputs) => ({ forward: inputs.forwardMs, ...(await inverseAndPosterior(model, inputs)) }));
}

/**
 * Median times of the three passes at batch 1 on the active backend. Unless the caller already
 * ran firstRunTimes, the first passes warm up and are reported as firstRun.
 */
export async function benchmarkClassifier(model: GenerativeClassifier, reps: number, warmedUp = false): Promise<PassTimes> {
  return withInputs(model, async (inputs) => {
    const firstRun = warmedUp ? undefined : { forward: inputs.forwardMs, ...(await inverseAndPosterior(model, inputs)) };
    const runs: PassMs[] = [];
    for (let i = 0; i < reps; i++) runs.push(await passes(model, inputs));
    const pick = (k: keyof PassMs) => median(runs.map((r) => r[k]));
    return { forward: pick('forward'), inverse: pick('inverse'), posterior: pick('posterior'), reps, ...(firstRun ? { firstRun } : {}) };
  });
}
