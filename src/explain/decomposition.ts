import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { assertClassIndex, assertSingleImage, dot, yieldUnlessAborted } from './checks';
import { classMeanGeometry } from './classMeans';
import { PoolingTail } from './poolingTail';

type Model = Pick<GenerativeClassifier, 'spec' | 'flow' | 'mixture'>;

/** What class a is compared with. */
export type Contrast =
  | { kind: 'class'; index: number }
  /** The most probable class other than a: the runner-up when a is the prediction. */
  | { kind: 'predicted' }
  /** The average of all K logits. */
  | { kind: 'mean' };

export interface LatentDecomposition {
  classIndex: number;
  /** The class compared with; null for the mean over classes. */
  contrastClass: number | null;
  /** The map is size×size: the grid of the last feature map, before the DCT pooling. */
  size: number;
  /** Each cell's share of the logit difference, summed over channels: [h·size + w]. */
  map: Float64Array;
  mapSum: number;
  /** logit_a − logit_b (or − the mean logit) in float64 from the model's own z. */
  logitDifference: number;
  /** |mapSum − logitDifference| / |logitDifference|. */
  checkError: number;
}

/**
 * The exact decomposition of a logit difference onto the last feature grid.
 *
 * With unit-covariance classes the difference is affine in z: g(z) = Δ·z − κ, where for a class
 * b, Δ = μ_a − μ_b and κ = (‖μ_a‖² − ‖μ_b‖²)/2; for the mean over classes, Δ = μ_a − μ̄ and
 * κ = (‖μ_a‖² − mean_k ‖μ_k‖²)/2. So g(z) = Σ_i Δ_i (z_i − z0_i) for any z0 on the decision
 * surface g = 0; we take z0 = the point of that surface nearest the midpoint (μ_a + μ_other)/2,
 * which for a class b is the midpoint itself (δ_i = (μ_a,i − μ_b,i)(z_i − (μ_a,i + μ_b,i)/2)).
 * The tail z = L(F) from the feature grid F is linear and invertible, so with F0 = L⁻¹(z0):
 * g = (LᵀΔ) · (F − F0), and cell (h, w) gets Σ_c (LᵀΔ)_hwc (F − F0)_hwc. The cells sum to g
 * up to rounding; computed in float64. The flow's pass to F yields between layers; aborting `signal` stops it.
 */
export async function decomposeLogitDifference(
  model: Model,
  x: tf.Tensor,
  classIndex: number,
  contrast: Contrast,
  signal?: AbortSignal,
): Promise<LatentDecomposition> {
  assertSingleImage(x, 'decomposeLogitDifference');
  const k = model.mixture.classes;
  assertClassIndex(classIndex, k);
  if (contrast.kind === 'class') assertClassIndex(contrast.index, k);
  if (k < 2) throw new RangeError('a contrast needs at least two classes');
  const tail = await PoolingTail.of(model);
  const { fcDims, convDims } = model.spec.latent;
  const featureGrid = await tail.features(x, () => yieldUnlessAborted(signal));
  const outputs = tf.tidy(() => {
    const z = tail.latent(featureGrid);
    const [fc, conv] = tf.split(z, [fcDims, convDims], 1);
    return [featureGrid, z, model.mixture.evaluate(fc, conv).logits];
  });
  const [features, z, logits] = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
  tf.dispose(outputs);

  const contrastClass = contrast.kind === 'class' ? contrast.index : contrast.kind === 'predicted' ? runnerUp(logits, classIndex) : null;
  const chosen = tf.tidy(() => model.mixture.means(contrastClass === null ? [classIndex] : [classIndex, contrastClass]));
  const means = (await chosen.data()) as Float32Array;
  chosen.dispose();
  const dims = tail.dims;
  const meanA = means.subarray(0, dims);
  let other: ArrayLike<number>;
  let otherSqNorm: number;
  if (contrastClass === null) {
    const geometry = await classMeanGeometry(model);
    other = geometry.meanOfMeans;
    otherSqNorm = geometry.meanSquaredNorm;
  } else {
    other = means.subarray(dims);
    otherSqNorm = dot(other, other);
  }

  const direction = new Float64Array(dims);
  const midpoint = new Float64Array(dims);
  for (let i = 0; i < dims; i++) {
    direction[i] = meanA[i] - other[i];
    midpoint[i] = (meanA[i] + other[i]) / 2;
  }
  const offset = (dot(meanA, meanA) - otherSqNorm) / 2;
  const directionSq = dot(direction, direction);
  const shift = directionSq > 0 ? (dot(direction, midpoint) - offset) / directionSq : 0;
  const reference = tail.toFeatures(midpoint.map((m, i) => m - shift * direction[i]));
  const weights = tail.adjointToFeatures(direction);

  const c = tail.channels;
  const map = new Float64Array(tail.size * tail.size);
  for (let i = 0; i < dims; i++) map[Math.floor(i / c)] += weights[i] * (features[i] - reference[i]);
  const mapSum = map.reduce((s, v) => s + v, 0);
  // ½‖z − other‖² − ½‖z − μ_a‖² (+ ½(mean_k ‖μ_k‖² − ‖μ̄‖²) for the mean), summed as Σ_i Δ_i (z_i − m_i): exactly 0 for a = b.
  let logitDifference = (otherSqNorm - dot(other, other)) / 2;
  for (let i = 0; i < dims; i++) logitDifference += direction[i] * (z[i] - midpoint[i]);
  return {
    classIndex,
    contrastClass,
    size: tail.size,
    map,
    mapSum,
    logitDifference,
    checkError: Math.abs(mapSum - logitDifference) / Math.max(Math.abs(logitDifference), Number.MIN_VALUE),
  };
}

function runnerUp(logits: Float32Array, exclude: number): number {
  let best = -1;
  for (let y = 0; y < logits.length; y++) if (y !== exclude && (best < 0 || logits[y] > logits[best])) best = y;
  return best;
}
