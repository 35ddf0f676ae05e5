import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { assertClassIndex, nextTask } from './checks';
import { classMeanGeometry, combineMeans } from './classMeans';
import { topEigenpairsYielding } from './symmetricEigen';

type Model = Pick<GenerativeClassifier, 'spec' | 'mixture'>;

/** A direction in latent space; z is flat: [z_fc, z_conv]. */
export type EditDirection =
  /**
   * μ_to − μ_from. With amount t = 1 (and no other edit), z′ − μ_to = z − μ_from exactly (up to
   * one float32 rounding of z′): the whole offset of z from its class mean — the position within
   * the class and everything the means do not explain — is carried over to class `to`, so
   * ‖z′ − μ_to‖ = ‖z − μ_from‖ and logit_to(z′) = logit_from(z).
   */
  | { kind: 'toward'; from: number; to: number }
  /** Unit principal direction `index` of the class means (see principalDirections). */
  | { kind: 'principal'; index: number }
  /** The unit vector of latent dimension `index`. */
  | { kind: 'dimension'; index: number }
  /**
   * The residual of the original z against the principal subspace (see residualStrength): −1
   * removes what the class means do not explain, +1 doubles it.
   */
  | { kind: 'residual' };

export interface LatentEdit {
  direction: EditDirection;
  amount: number;
}

/**
 * z′ = z + Σ amount · direction, summed in float64 and rounded to float32 once, so the empty list
 * (reset) and zero amounts give the original z bit for bit. Edits always start from the original z.
 */
export async function applyEdits(model: Model, z: Float32Array, edits: LatentEdit[], principal?: PrincipalDirections): Promise<Float32Array> {
  const dims = latentDims(model);
  if (z.length !== dims) throw new RangeError(`z has ${z.length} values, the model ${dims}`);
  const out = Float64Array.from(z);
  const classes = [...new Set(edits.flatMap((e) => (e.direction.kind === 'toward' ? [e.direction.from, e.direction.to] : [])))];
  const means = classes.length ? await classMeans(model, classes) : new Float32Array(0);
  const mean = (y: number) => means.subarray(classes.indexOf(y) * dims, (classes.indexOf(y) + 1) * dims);
  for (const { direction: d, amount } of edits) {
    if (!Number.isFinite(amount)) throw new RangeError(`edit amount ${amount} is not finite`);
    if (amount === 0) continue;
    if (d.kind === 'toward') {
      const from = mean(d.from);
      const to = mean(d.to);
      for (let i = 0; i < dims; i++) out[i] += amount * (to[i] - from[i]);
    } else if (d.kind === 'principal') {
      if (!principal || !Number.isInteger(d.index) || d.index < 0 || d.index >= principal.count)
        throw new RangeError(`principal direction ${d.index} was not computed`);
      const v = principal.directions.subarray(d.index * dims, (d.index + 1) * dims);
      for (let i = 0; i < dims; i++) out[i] += amount * v[i];
    } else if (d.kind === 'residual') {
      if (!principal) throw new RangeError('the residual needs the principal directions');
      const r = decompose(principal, z).residual;
      for (let i = 0; i < dims; i++) out[i] += amount * r[i];
    } else {
      if (!Number.isInteger(d.index) || d.index < 0 || d.index >= dims) throw new RangeError(`latent dimension ${d.index} is not in [0, ${dims})`);
      out[d.index] += amount;
    }
  }
  return Float32Array.from(out);
}

export interface SeparatingDimension {
  /** Index into the flat latent [z_fc, z_conv]. */
  index: number;
  z: number;
  meanA: number;
  meanB: number;
  /** δ_i = (μ_a,i − μ_b,i)(z_i − (μ_a,i + μ_b,i)/2): this dimension's share of logit_a − logit_b. */
  contribution: number;
}

/** The `count` dimensions with the largest |μ_a,i − μ_b,i|, largest first (ties: lower index first). */
export async function separatingDimensions(model: Model, z: Float32Array, a: number, b: number, count: number): Promise<SeparatingDimension[]> {
  const dims = latentDims(model);
  if (z.length !== dims) throw new RangeError(`z has ${z.length} values, the model ${dims}`);
  const means = await classMeans(model, [a, b]);
  const gap = Float64Array.from({ length: dims }, (_, i) => Math.abs(means[i] - means[dims + i]));
  const order = Array.from({ length: dims }, (_, i) => i).sort((i, j) => gap[j] - gap[i] || i - j);
  return order.slice(0, Math.max(0, count)).map((index) => {
    const meanA = means[index];
    const meanB = means[dims + index];
    return { index, z: z[index], meanA, meanB, contribution: (meanA - meanB) * (z[index] - (meanA + meanB) / 2) };
  });
}

/**
 * The amount t of "toward b" (z′ = z + t (μ_b − μ_a)) at which logit_b catches up with logit_a:
 * logit_b − logit_a = (μ_b − μ_a)·(z − (μ_a + μ_b)/2) + t ‖μ_b − μ_a‖², zero at
 * t = −(μ_b − μ_a)·(z − (μ_a + μ_b)/2) / ‖μ_b − μ_a‖². Null when the two means coincide.
 */
export async function towardCrossing(model: Model, z: Float32Array, a: number, b: number): Promise<number | null> {
  const dims = latentDims(model);
  if (z.length !== dims) throw new RangeError(`z has ${z.length} values, the model ${dims}`);
  const means = await classMeans(model, [a, b]);
  let dot = 0;
  let gapSq = 0;
  for (let i = 0; i < dims; i++) {
    const gap = means[dims + i] - means[i];
    dot += gap * (z[i] - (means[i] + means[dims + i]) / 2);
    gapSq += gap * gap;
  }
  return gapSq > 0 ? -dot / gapSq : null;
}

/**
 * PCA of the K class means around their mean μ̄: directions v_j (unit, orthogonal) and the
 * variance of the means along each. From the K×K centered Gram matrix B = (μ_j − μ̄)·(μ_k − μ̄):
 * B u_j = λ_j u_j gives v_j = Σ_k u_jk (μ_k − μ̄) / √λ_j and variance λ_j / K.
 */
export interface PrincipalDirections {
  count: number;
  dims: number;
  /** [count, dims] row-major. */
  directions: Float32Array;
  /** λ_j / K, descending. */
  variances: Float64Array;
  /** λ_j / Σ_all λ: each direction's share of the means' total variance. */
  explainedVarianceRatio: Float64Array;
  /** μ̄. */
  center: Float64Array;
}

/** The first `count` principal directions (at most K − 1, and only those with non-zero variance). */
/** pause: awaited between slices of the work (seconds of it at 1000 classes). */
export async function principalDirections(model: Model, count: number, pause: () => Promise<void> = nextTask): Promise<PrincipalDirections> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const g = await classMeanGeometry(model, pause);
  const k = g.classes;
  const wanted = Math.min(count, k - 1);
  // Seconds of float64 work at 1000 classes: sliced, so the worker answers a new image meanwhile.
  const { values, vectors } = await topEigenpairsYielding(g.centeredGram, k, wanted, pause);
  const total = Array.from({ length: k }, (_, i) => g.centeredGram[i * k + i]).reduce((s, v) => s + v, 0);
  let kept = 0;
  while (kept < wanted && values[kept] > 1e-9 * values[0]) kept++;
  const weights = new Float64Array(kept * k);
  const weightSums = new Float64Array(kept);
  for (let j = 0; j < kept; j++)
    for (let c = 0; c < k; c++) {
      weights[j * k + c] = vectors[j * k + c] / Math.sqrt(values[j]);
      weightSums[j] += weights[j * k + c];
    }
  const directions = kept ? await combineMeans(model, weights, kept, pause) : new Float32Array(0);
  // Σ_k w_k (μ_k − μ̄) = Σ_k w_k μ_k − μ̄ Σ_k w_k (Σ w_k is ~0 here, but not exactly).
  for (let j = 0; j < kept; j++) for (let i = 0; i < g.dims; i++) directions[j * g.dims + i] -= weightSums[j] * g.meanOfMeans[i];
  return {
    count: kept,
    dims: g.dims,
    directions,
    variances: values.slice(0, kept).map((v) => v / k),
    explainedVarianceRatio: values.slice(0, kept).map((v) => v / total),
    center: g.meanOfMeans,
  };
}

/** How much of z the class means explain, relative to a principal subspace of the means. */
export interface ResidualStrength {
  /** k: the subspace's dimension (K − 1: the whole affine span of the means). */
  subspaceDims: number;
  /** c_j = v_j · (z − μ̄): where z sits along each principal direction. */
  coordinates: Float64Array;
  /** ‖z − μ̄‖. */
  distanceFromCenter: number;
  /** ‖c‖: the part of z − μ̄ inside μ̄ + span(v_1 … v_k). */
  explainedNorm: number;
  /** r = ‖(z − μ̄) − Σ_j c_j v_j‖: the part the means do not explain. */
  residualNorm: number;
  /**
   * r / √(D − k). For z drawn from any class (z ~ N(μ_y, I)) with the full span (k = K − 1),
   * r² is χ² with D − k degrees of freedom, so this is close to 1; larger means z carries more
   * class-unrelated energy than the model's classes do.
   */
  residualRms: number;
}

export function residualStrength(principal: PrincipalDirections, z: Float32Array): ResidualStrength {
  const { count, dims, center } = principal;
  const { coordinates, residual } = decompose(principal, z);
  let distanceSq = 0;
  for (let i = 0; i < dims; i++) distanceSq += (z[i] - center[i]) ** 2;
  const explainedSq = coordinates.reduce((s, v) => s + v * v, 0);
  const residualSq = residual.reduce((s, v) => s + v * v, 0);
  return {
    subspaceDims: count,
    coordinates,
    distanceFromCenter: Math.sqrt(distanceSq),
    explainedNorm: Math.sqrt(explainedSq),
    residualNorm: Math.sqrt(residualSq),
    residualRms: Math.sqrt(residualSq / (dims - count)),
  };
}

/** z − μ̄ = Σ_j c_j v_j + residual. */
function decompose(principal: PrincipalDirections, z: Float32Array): { coordinates: Float64Array; residual: Float64Array } {
  const { count, dims, directions, center } = principal;
  if (z.length !== dims) throw new RangeError(`z has ${z.length} values, the directions ${dims}`);
  const residual = Float64Array.from(z, (v, i) => v - center[i]);
  const coordinates = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const v = directions.subarray(j * dims, (j + 1) * dims);
    for (let i = 0; i < dims; i++) coordinates[j] += v[i] * residual[i];
  }
  for (let j = 0; j < count; j++) {
    const v = directions.subarray(j * dims, (j + 1) * dims);
    for (let i = 0; i < dims; i++) residual[i] -= coordinates[j] * v[i];
  }
  return { coordinates, residual };
}

function latentDims(model: Model): number {
  return model.spec.latent.fcDims + model.spec.latent.convDims;
}

/** The means of the given classes, concatenated: [classes.length, D]. */
async function classMeans(model: Model, classes: number[]): Promise<Float32Array> {
  for (const y of classes) assertClassIndex(y, model.mixture.classes);
  const t = tf.tidy(() => model.mixture.means(classes));
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}
