/**
 * Projected-gradient attacks (PGD) on the model input in pixel units: the image after the
 * model's resize and crop, before normalization, each channel in [0, 255].
 */
import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { concatFloat32 } from '../util/concat';
import { assertClassIndex, yieldUnlessAborted } from './checks';
import { objectiveGradient } from './gradients';

type Model = Pick<GenerativeClassifier, 'forwardTensors' | 'classify' | 'mixture' | 'spec'>;

export const ATTACK_NORMS = ['linf', 'l2'] as const;
export type AttackNorm = (typeof ATTACK_NORMS)[number];

export interface AttackSettings {
  /** Targeted: ascend log p(target|x). null: untargeted, descend log p(y₀|x) of the clean decision y₀. */
  target: number | null;
  norm: AttackNorm;
  /** The budget ‖δ‖ ≤ ε in pixel units (L∞: per channel value; L2: over all H·W·C values). */
  epsilon: number;
  steps: number;
  /** Pixel units: L∞ moves every value by ±stepSize, L2 moves δ by stepSize along the unit gradient. */
  stepSize: number;
}

export interface AttackProgress {
  signal?: AbortSignal;
  /** Gradient steps done so far and in all. */
  onStep?: (done: number, total: number) => void;
}

/** The float iterates of one PGD run; `trace` (when asked for) holds every iterate and the gradient taken there. */
export interface PgdRun {
  /** The perturbed input, NHWC pixel units. */
  pixels: Float32Array;
  trace?: { iterates: Float32Array[]; gradients: Float32Array[] };
}

/** What the model says about one image. */
export interface Verdict {
  predicted: number;
  posterior: Float32Array;
  /** log p(x) in nats (normalized input), as the posterior panel's typicality uses it. */
  logEvidence: number;
  /** The attack reached its goal: a decision other than y₀ (untargeted) or the target (targeted). */
  flipped: boolean;
}

export interface PerturbedImage extends Verdict {
  /** NHWC pixel units. */
  pixels: Float32Array;
  /** ‖δ‖∞ and ‖δ‖₂ of δ = pixels − start, pixel units (float64). */
  linf: number;
  l2: number;
}

/** The smallest flipping ε lies in (lower, upper]; upper is null when no budget tried flipped. */
export interface EpsilonBracket {
  lower: number;
  upper: number | null;
  /** Every attack of the search, in order. */
  tried: { epsilon: number; flipped: boolean }[];
}

export interface AttackReport {
  settings: AttackSettings;
  /** y₀: the clean decision. */
  cleanClass: number;
  clean: Verdict;
  /** The float result of PGD. */
  float: PerturbedImage;
  /** The float result rounded to 8 bits, back inside the budget and [0, 255]: a storable image. */
  rounded: PerturbedImage;
  search: EpsilonBracket | null;
}

/** Checks the settings against the model; throws a RangeError naming the bad one. */
export function assertAttackSettings(settings: AttackSettings, classes: number): void {
  const { target, norm, epsilon, steps, stepSize } = settings;
  if (target !== null) assertClassIndex(target, classes);
  if (norm !== 'linf' && norm !== 'l2') throw new RangeError(`the norm must be "linf" or "l2", got ${String(norm)}`);
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) throw new RangeError(`ε must be a finite number ≥ 0 (pixel units), got ${epsilon}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000) throw new RangeError(`steps must be an integer in [1, 10000], got ${steps}`);
  if (!(Number.isFinite(stepSize) && stepSize > 0)) throw new RangeError(`the step size must be a finite number > 0 (pixel units), got ${stepSize}`);
}

function assertStart(model: Model, start: Float32Array): void {
  const { channels, height, width } = model.spec.input;
  if (start.length !== channels * height * width)
    throw new RangeError(`the attack's start holds ${start.length} values; a ${width}x${height}x${channels} input needs ${channels * height * width}`);
  for (let i = 0; i < start.length; i++)
    if (!(Number.isInteger(start[i]) && start[i] >= 0 && start[i] <= 255))
      throw new RangeError(`the attack starts from an 8-bit image: value ${i} is ${start[i]}, not an integer in [0, 255]`);
}

/** Pixel units → the model's normalized input, and the chain-rule factor ∂x/∂pixel = 1 / (255·std_c). */
function pixelMaps(model: Model) {
  const { mean, std } = model.spec.preprocessing;
  const { channels } = model.spec.input;
  const meanPixels = tf.tensor1d(Array.from({ length: channels }, (_, c) => 255 * mean[c]));
  const scale = tf.tensor1d(Array.from({ length: channels }, (_, c) => 1 / (255 * std[c])));
  return {
    normalize: (p: tf.Tensor) => tf.mul(tf.sub(p, meanPixels), scale),
    toPixelGradient: (g: tf.Tensor) => tf.mul(g, scale),
    dispose: () => tf.dispose([meanPixels, scale]),
  };
}

/**
 * PGD from `start` (8-bit values) without a random start: `steps` ascents of J, J = log p(t|x)
 * (targeted) or −log p(y₀|x) (untargeted), each followed by the projection onto the ε-ball around
 * the start and then onto [0, 255]. L∞: p += α·sign(∇J), δ clipped to [−ε, ε]. L2: p += α·∇J/‖∇J‖₂,
 * δ scaled by min(1, ε/‖δ‖₂). Float32 throughout, as training/attack_pgd.py.
 */
export async function pgd(
  model: Model,
  start: Float32Array,
  cleanClass: number,
  settings: AttackSettings,
  options: AttackProgress & { trace?: boolean; stepsBefore?: number; stepsInAll?: number } = {},
): Promise<PgdRun> {
  assertStart(model, start);
  assertAttackSettings(settings, model.mixture.classes);
  assertClassIndex(cleanClass, model.mixture.classes);
  const { channels, height, width } = model.spec.input;
  const { target, norm, epsilon, steps, stepSize } = settings;
  const ascent = target === null ? -1 : 1;
  const gradient = objectiveGradient(model, { kind: 'logPosterior', classIndex: target ?? cleanClass });
  const maps = pixelMaps(model);
  const origin = tf.tensor4d(start, [1, height, width, channels]);
  let p: tf.Tensor = tf.clone(origin);
  const trace: PgdRun['trace'] = options.trace ? { iterates: [start.slice()], gradients: [] } : undefined;
  try {
    for (let k = 0; k < steps; k++) {
      if (k > 0) await yieldUnlessAborted(options.signal);
      const g = tf.tidy(() => tf.mul(ascent, maps.toPixelGradient(gradient(maps.normalize(p)))));
      const previous = p;
      p = tf.tidy(() => {
        const moved =
          norm === 'linf' ? tf.add(previous, tf.mul(stepSize, sign(g))) : tf.add(previous, tf.mul(stepSize, tf.div(g, tf.maximum(tf.norm(g), 1e-30))));
        const delta = tf.sub(moved, origin);
        const projected =
          norm === 'linf' ? tf.clipByValue(delta, -epsilon, epsilon) : tf.mul(delta, tf.minimum(1, tf.div(epsilon, tf.maximum(tf.norm(delta), 1e-30))));
        return tf.clipByValue(tf.add(origin, projected), 0, 255);
      });
      previous.dispose();
      if (trace) {
        trace.gradients.push((await g.data()) as Float32Array);
        trace.iterates.push((await p.data()) as Float32Array);
      }
      g.dispose();
      options.onStep?.((options.stepsBefore ?? 0) + k + 1, options.stepsInAll ?? steps);
    }
    return { pixels: (await p.data()) as Float32Array, trace };
  } finally {
    tf.dispose([p, origin]);
    maps.dispose();
  }
}

/**
 * −1, 0 or 1 per value. Not tf.sign: the wasm backend's Sign returns 0 for |x| below about 1e-7
 * (measured: 5e-10 → 0), which stalls L∞ steps once the posterior saturates.
 */
function sign(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.cast(tf.greater(x, 0), 'float32'), tf.cast(tf.less(x, 0), 'float32'));
}

/**
 * The nearest 8-bit image inside the budget: each value rounded, then clipped to
 * [max(0, ⌈p₀−ε⌉), min(255, ⌊p₀+ε⌋)] (L∞); for L2, values whose rounding grew |δ| are truncated
 * toward the start, largest growth first, until ‖δ‖₂ ≤ ε.
 */
export function roundIntoBudget(start: Float32Array, perturbed: Float32Array, norm: AttackNorm, epsilon: number): Float32Array {
  const out = new Float32Array(perturbed.length);
  if (norm === 'linf') {
    for (let i = 0; i < out.length; i++) {
      const lo = Math.max(0, Math.ceil(start[i] - epsilon));
      const hi = Math.min(255, Math.floor(start[i] + epsilon));
      out[i] = Math.min(hi, Math.max(lo, Math.round(Math.min(255, Math.max(0, perturbed[i])))));
    }
    return out;
  }
  const delta = new Float64Array(out.length);
  let sq = 0;
  for (let i = 0; i < out.length; i++) {
    delta[i] = Math.round(Math.min(255, Math.max(0, perturbed[i]))) - start[i];
    sq += delta[i] * delta[i];
  }
  const grown = Array.from(delta.keys())
    .filter((i) => Math.abs(delta[i]) > Math.abs(perturbed[i] - start[i]))
    .sort((a, b) => Math.abs(delta[b]) - Math.abs(perturbed[b] - start[b]) - (Math.abs(delta[a]) - Math.abs(perturbed[a] - start[a])) || a - b);
  const towardStart = (i: number) => {
    const next = delta[i] - Math.sign(delta[i]);
    sq += next * next - delta[i] * delta[i];
    delta[i] = next;
  };
  for (const i of grown) {
    if (sq <= epsilon * epsilon) break;
    towardStart(i);
  }
  // Only when float rounding left the float δ a hair outside the ball: shrink the largest values.
  while (sq > epsilon * epsilon) {
    let largest = 0;
    for (let i = 1; i < delta.length; i++) if (Math.abs(delta[i]) > Math.abs(delta[largest])) largest = i;
    towardStart(largest);
  }
  for (let i = 0; i < out.length; i++) out[i] = start[i] + delta[i];
  return out;
}

/** ‖δ‖∞ and ‖δ‖₂ in float64. */
export function perturbationNorms(start: Float32Array, perturbed: Float32Array): { linf: number; l2: number } {
  let linf = 0;
  let sq = 0;
  for (let i = 0; i < start.length; i++) {
    const d = Math.abs(perturbed[i] - start[i]);
    linf = Math.max(linf, d);
    sq += d * d;
  }
  return { linf, l2: Math.sqrt(sq) };
}

/** Whether a decision reaches the attack's goal. */
export function reachesGoal(predicted: number, cleanClass: number, target: number | null): boolean {
  return target === null ? predicted !== cleanClass : predicted === target;
}

/** The model's verdicts on images in pixel units. */
export async function classifyPixels(model: Model, images: Float32Array[], cleanClass: number | null, target: number | null): Promise<Verdict[]> {
  const { channels, height, width } = model.spec.input;
  const maps = pixelMaps(model);
  const x = tf.tidy(() => maps.normalize(tf.tensor4d(concatFloat32(images), [images.length, height, width, channels])));
  maps.dispose();
  try {
    const r = await model.classify(x);
    const k = r.classes;
    return images.map((_, i) => {
      const posterior = r.posterior.slice(i * k, (i + 1) * k);
      let predicted = 0;
      for (let y = 1; y < k; y++) if (posterior[y] > posterior[predicted]) predicted = y;
      return { predicted, posterior, logEvidence: r.logEvidence[i], flipped: cleanClass !== null && reachesGoal(predicted, cleanClass, target) };
    });
  } finally {
    x.dispose();
  }
}

/** PGD, its 8-bit rounding and both verdicts; with `searchAttacks` > 0, the bracket of the smallest flipping ε too. */
export async function attackImage(
  model: Model,
  start: Float32Array,
  settings: AttackSettings,
  options: AttackProgress & { searchAttacks?: number } = {},
): Promise<AttackReport> {
  assertStart(model, start);
  assertAttackSettings(settings, model.mixture.classes);
  const searchAttacks = options.searchAttacks ?? 0;
  if (!Number.isInteger(searchAttacks) || searchAttacks < 0 || searchAttacks > 64)
    throw new RangeError(`the ε search takes an integer number of attacks in [0, 64], got ${searchAttacks}`);
  const stepsInAll = settings.steps * (1 + searchAttacks);
  const [clean] = await classifyPixels(model, [start], null, settings.target);
  const cleanClass = clean.predicted;
  const once = (s: AttackSettings, stepsBefore: number) => attackOnce(model, start, cleanClass, s, { ...options, stepsBefore, stepsInAll });
  const { float, rounded } = await once(settings, 0);
  const search = searchAttacks > 0 ? await searchEpsilon(model, settings, rounded.flipped, searchAttacks, (s, i) => once(s, settings.steps * (i + 1))) : null;
  return { settings, cleanClass, clean, float, rounded, search };
}

async function attackOnce(
  model: Model,
  start: Float32Array,
  cleanClass: number,
  settings: AttackSettings,
  options: AttackProgress & { stepsBefore: number; stepsInAll: number },
): Promise<{ float: PerturbedImage; rounded: PerturbedImage }> {
  const { pixels } = await pgd(model, start, cleanClass, settings, options);
  const rounded = roundIntoBudget(start, pixels, settings.norm, settings.epsilon);
  const [vf, vr] = await classifyPixels(model, [pixels, rounded], cleanClass, settings.target);
  return {
    float: { ...vf, pixels, ...perturbationNorms(start, pixels) },
    rounded: { ...vr, pixels: rounded, ...perturbationNorms(start, rounded) },
  };
}

/** The largest budget worth trying: the whole pixel range. */
function largestBudget(model: Model, norm: AttackNorm): number {
  const { channels, height, width } = model.spec.input;
  return norm === 'linf' ? 255 : 255 * Math.sqrt(channels * height * width);
}

/**
 * The smallest ε whose 8-bit rounded attack flips, bracketed with a fixed number of attacks: from
 * the user's ε, doubling until one flips (up to the whole pixel range), then bisecting. The step
 * size keeps its ratio to ε. A bracket assumes success grows with ε, which PGD does not guarantee.
 */
async function searchEpsilon(
  model: Model,
  settings: AttackSettings,
  flippedAtEpsilon: boolean,
  attacks: number,
  attack: (s: AttackSettings, index: number) => Promise<{ rounded: PerturbedImage }>,
): Promise<EpsilonBracket> {
  const ratio = settings.stepSize / settings.epsilon;
  const cap = largestBudget(model, settings.norm);
  let lower = 0;
  let upper: number | null = null;
  if (flippedAtEpsilon) upper = settings.epsilon;
  else lower = settings.epsilon;
  const tried = [{ epsilon: settings.epsilon, flipped: flippedAtEpsilon }];
  for (let i = 0; i < attacks; i++) {
    if (upper === null && lower >= cap) break;
    const epsilon = upper === null ? Math.min(cap, Math.max(2 * lower, 1)) : (lower + upper) / 2;
    const stepSize = Number.isFinite(ratio) && ratio > 0 ? ratio * epsilon : settings.stepSize;
    const { rounded } = await attack({ ...settings, epsilon, stepSize }, i);
    tried.push({ epsilon, flipped: rounded.flipped });
    if (rounded.flipped) upper = epsilon;
    else lower = epsilon;
  }
  return { lower, upper, tried };
}
