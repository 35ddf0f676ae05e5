import * as tf from '@tensorflow/tfjs';
import { type GenerativeClassifier, logSumExp } from '../flow/classifier';
import type { Pause } from '../flow/flow';
import { withUnfusedConvolutions } from '../flow/layers/subnet';
import { assertClassIndex, assertSingleImage, yieldUnlessAborted } from './checks';

type Model = Pick<GenerativeClassifier, 'forwardTensors' | 'classify' | 'mixture'>;
/** What the layer-by-layer gradient of the maps needs besides. */
type LayeredModel = Model & Pick<GenerativeClassifier, 'flow' | 'spec'>;

/** The function of the normalized input whose attributions are computed. */
export type Objective =
  /** log p(x|y) in nats. */
  | { kind: 'likelihood'; classIndex: number }
  /** logit_a − logit_b, or logit_a − the mean of all logits. */
  | { kind: 'logitDifference'; classIndex: number; contrast: number | 'mean' }
  /** log p(y|x) = logit_y − logsumexp(logits): what adversarial attacks push. */
  | { kind: 'logPosterior'; classIndex: number };

/** Attributions at pixel resolution; arrays are row-major over (h, w[, c]). */
export interface Attribution {
  height: number;
  width: number;
  channels: number;
  /** [H, W, C]. */
  perChannel: Float32Array;
  /** [H, W]: summed over channels. */
  map: Float64Array;
  /** Σ of all attributions. */
  total: number;
  /** f(x). */
  value: number;
  /** f(baseline); the baseline of input × gradient is 0 (the mean color). */
  baselineValue: number;
  /** total − (f(x) − f(baseline)): zero for exact integrated gradients. */
  completenessError: number;
  /** |completenessError| / |f(x) − f(baseline)|. */
  relativeCompletenessError: number;
}

/** x ⊙ ∇f(x), x normalized (so the implicit baseline is the mean color). */
export async function inputTimesGradient(model: LayeredModel, x: tf.Tensor, objective: Objective, options: PassOptions = {}): Promise<Attribution> {
  assertSingleImage(x, 'inputTimesGradient');
  const baseline = tf.zerosLike(x);
  try {
    return await attribute(model, x, baseline, objective, [1], 1, options.signal, options.onStep);
  } finally {
    baseline.dispose();
  }
}

export interface PassOptions {
  /** Checked between layers of each gradient pass: aborting throws an AbortError and frees every tensor. */
  signal?: AbortSignal;
  /** Called between layers with the path points done so far (fractional within a pass) and in all. */
  onStep?: (done: number, total: number) => void;
}

export interface IntegratedGradientsOptions extends PassOptions {
  /** m: the path integral is a midpoint rule with m points. Default 64. */
  steps?: number;
  /** Same shape as x; default zeros in normalized space (the mean color). */
  baseline?: tf.Tensor;
  /** Path points per gradient pass. Default 8. */
  batchSize?: number;
}

/**
 * (x − x′) ⊙ (1/m) Σ_k ∇f(x′ + α_k (x − x′)) with α_k = (k − ½)/m: the midpoint rule, whose
 * error falls as 1/m² on smooth paths, so completeness is reached with few steps.
 */
export async function integratedGradients(
  model: LayeredModel,
  x: tf.Tensor,
  objective: Objective,
  options: IntegratedGradientsOptions = {},
): Promise<Attribution> {
  assertSingleImage(x, 'integratedGradients');
  const steps = options.steps ?? 64;
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (options.baseline && options.baseline.shape.join() !== x.shape.join()) throw new RangeError('the baseline must have the shape of x');
  const baseline = options.baseline ?? tf.zerosLike(x);
  try {
    const alphas = Array.from({ length: steps }, (_, k) => (k + 0.5) / steps);
    return await attribute(model, x, baseline, objective, alphas, batchSize, options.signal, options.onStep);
  } finally {
    if (baseline !== options.baseline) baseline.dispose();
  }
}

/** (x − baseline) ⊙ the mean gradient over the points baseline + α (x − baseline). */
async function attribute(
  model: LayeredModel,
  x: tf.Tensor,
  baseline: tf.Tensor,
  objective: Objective,
  alphas: number[],
  batchSize: number,
  signal?: AbortSignal,
  onStep?: (done: number, total: number) => void,
): Promise<Attribution> {
  const [, height, width, channels] = x.shape;
  // Progress within a pass, one layer at a time: at 224² a single pass takes seconds.
  const pausesPerPass = 2 * model.flow.layers.length - 1;
  let gradientSum = tf.zerosLike(x);
  try {
    for (let start = 0; start < alphas.length; start += batchSize) {
      const chunk = alphas.slice(start, start + batchSize);
      let paused = 0;
      const pause = () => {
        onStep?.(start + (chunk.length * ++paused) / pausesPerPass, alphas.length);
        return yieldUnlessAborted(signal);
      };
      const points = tf.tidy(() => tf.add(baseline, tf.mul(tf.tensor4d(chunk, [chunk.length, 1, 1, 1]), tf.sub(x, baseline))));
      const gradient = await objectiveGradientPausing(model, points, objective, pause).finally(() => points.dispose());
      const previous = gradientSum;
      gradientSum = tf.tidy(() => tf.add(previous, tf.sum(gradient, 0, true)));
      tf.dispose([previous, gradient]);
      onStep?.(start + chunk.length, alphas.length);
    }
  } catch (e) {
    gradientSum.dispose();
    throw e;
  }
  const attributions = tf.tidy(() => tf.mul(tf.sub(x, baseline), tf.div(gradientSum, alphas.length)));
  gradientSum.dispose();
  const perChannel = (await attributions.data()) as Float32Array;
  attributions.dispose();

  const map = new Float64Array(height * width);
  for (let i = 0; i < perChannel.length; i++) map[Math.floor(i / channels)] += perChannel[i];
  const total = map.reduce((s, v) => s + v, 0);
  const ends = tf.concat([x, baseline]);
  const [value, baselineValue] = await objectiveValues(model, ends, objective).finally(() => ends.dispose());
  const completenessError = total - (value - baselineValue);
  return {
    height,
    width,
    channels,
    perChannel,
    map,
    total,
    value,
    baselineValue,
    completenessError,
    relativeCompletenessError: Math.abs(completenessError) / Math.abs(value - baselineValue),
  };
}

/**
 * x ↦ ∇ₓ Σ_b f(x_b) with respect to the normalized input: the one gradient every map and the
 * adversarial attack use. The caller disposes the returned tensor.
 */
export function objectiveGradient(model: Model, objective: Objective): (x: tf.Tensor) => tf.Tensor {
  assertObjective(objective, model.mixture.classes);
  // Unfused convolutions differentiate lazily: no filter gradients (wasm has no kernel for them).
  return tf.grad((points: tf.Tensor) => withUnfusedConvolutions(() => tf.sum(objectiveTensor(model, points, objective))));
}

/**
 * objectiveGradient one layer at a time, awaiting `pause` between layers (at 224² one pass takes seconds on wasm):
 * a forward pass keeps each layer's input; then, from ∇_z f, each layer's vector–Jacobian product (plus, for
 * log p(x|y), the gradient of its log-determinant) is taken in reverse. A pause that throws stops it within one
 * layer, its tensors freed. The caller disposes the returned tensor.
 */
export async function objectiveGradientPausing(model: LayeredModel, x: tf.Tensor, objective: Objective, pause: Pause): Promise<tf.Tensor> {
  assertObjective(objective, model.mixture.classes);
  const layers = model.flow.layers;
  // inputs[i] is layers[i]'s input; all but x are freed here.
  const inputs: tf.Tensor[] = [x];
  let gradient: tf.Tensor | null = null;
  try {
    for (const layer of layers) {
      if (inputs.length > 1) await pause();
      const { y, logDet } = layer.forward(inputs[inputs.length - 1]);
      logDet.dispose();
      inputs.push(y);
    }
    const z = layers.length ? inputs.pop()! : x;
    try {
      gradient = tf.grad((latent: tf.Tensor) => tf.sum(latentObjective(model, latent, objective)))(z);
    } finally {
      if (z !== x) z.dispose();
    }
    const withLogDet = objective.kind === 'likelihood';
    for (let i = layers.length - 1; i >= 0; i--) {
      await pause();
      const upstream: tf.Tensor = gradient;
      gradient = tf.grad((h: tf.Tensor) =>
        withUnfusedConvolutions(() => {
          const { y, logDet } = layers[i].forward(h);
          const pulled = tf.sum(tf.mul(y, upstream));
          return withLogDet ? tf.add(pulled, tf.sum(logDet)) : pulled;
        }),
      )(inputs[i]);
      upstream.dispose();
      if (i > 0) inputs.pop()!.dispose();
    }
    return gradient;
  } catch (e) {
    gradient?.dispose();
    tf.dispose(inputs.slice(1));
    throw e;
  }
}

/** f for each image of a batch [B]; constants left out (they cancel in gradients and differences). */
function objectiveTensor(model: Model, x: tf.Tensor, objective: Objective): tf.Tensor {
  const { logits, logDet } = model.forwardTensors(x);
  const f = objectiveOfLogits(logits, objective);
  return objective.kind === 'likelihood' ? tf.add(f, logDet) : f;
}

/** The part of f that the latent code determines: all of it but log p(x|y)'s log-determinant. */
function latentObjective(model: LayeredModel, z: tf.Tensor, objective: Objective): tf.Tensor {
  const [zFc, zConv] = tf.split(z, [model.spec.latent.fcDims, model.spec.latent.convDims], 1);
  return objectiveOfLogits(model.mixture.evaluate(zFc, zConv).logits, objective);
}

function objectiveOfLogits(logits: tf.Tensor, objective: Objective): tf.Tensor {
  const column = (y: number) => tf.squeeze(tf.slice(logits, [0, y], [-1, 1]), [1]);
  if (objective.kind === 'likelihood') return column(objective.classIndex);
  if (objective.kind === 'logPosterior') return tf.sub(column(objective.classIndex), tf.logSumExp(logits, 1));
  const other = objective.contrast === 'mean' ? tf.mean(logits, 1) : column(objective.contrast);
  return tf.sub(column(objective.classIndex), other);
}

/** f in float64 from the model's own densities, for each image of the batch. */
async function objectiveValues(model: Model, x: tf.Tensor, objective: Objective): Promise<number[]> {
  const r = await model.classify(x);
  const k = r.classes;
  return Array.from({ length: r.batch }, (_, i) => {
    const a = i * k + objective.classIndex;
    if (objective.kind === 'likelihood') return r.logLikelihood[a];
    if (objective.kind === 'logPosterior') return r.logits[a] - logSumExp(r.logits.subarray(i * k, (i + 1) * k));
    if (objective.contrast !== 'mean') return r.logits[a] - r.logits[i * k + objective.contrast];
    let mean = 0;
    for (let y = 0; y < k; y++) mean += r.logits[i * k + y] / k;
    return r.logits[a] - mean;
  });
}

function assertObjective(objective: Objective, classes: number): void {
  assertClassIndex(objective.classIndex, classes);
  if (objective.kind === 'logitDifference' && objective.contrast !== 'mean') assertClassIndex(objective.contrast, classes);
}
