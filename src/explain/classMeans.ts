import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';

type Model = Pick<GenerativeClassifier, 'spec' | 'mixture'>;

/** What the explanations need to know about all K class means at once. */
export interface ClassMeanGeometry {
  classes: number;
  dims: number;
  /** μ̄ = (1/K) Σ_k μ_k. */
  meanOfMeans: Float64Array;
  /** (1/K) Σ_k ‖μ_k‖². */
  meanSquaredNorm: number;
  /** B[j, k] = (μ_j − μ̄) · (μ_k − μ̄), K×K row-major. */
  centredGram: Float64Array;
}

/**
 * Cached per model. The mixture exposes the means only class by class (mu_conv = mu_t·mu_m is
 * never formed whole), so this is one pass over the classes in chunks; the pairwise distances
 * come from evaluating the mixture at the means themselves (logit_k(μ_j) = −‖μ_j − μ_k‖²/2).
 */
export function classMeanGeometry(model: Model): Promise<ClassMeanGeometry> {
  let geometry = cache.get(model.mixture);
  if (!geometry) {
    geometry = computeGeometry(model);
    cache.set(model.mixture, geometry);
    geometry.catch(() => cache.delete(model.mixture));
  }
  return geometry;
}

const cache = new WeakMap<object, Promise<ClassMeanGeometry>>();

async function computeGeometry(model: Model): Promise<ClassMeanGeometry> {
  const k = model.mixture.classes;
  const { fcDims, convDims } = model.spec.latent;
  const dims = fcDims + convDims;
  const sum = new Float64Array(dims);
  const sqDist = new Float64Array(k * k);
  let sqNormSum = 0;
  for (const chunk of classChunks(k, dims)) {
    const parts = tf.tidy(() => {
      const means = model.mixture.means(chunk);
      const [fc, conv] = tf.split(means, [fcDims, convDims], 1);
      return [tf.sum(means, 0), tf.sum(tf.square(means), 1), model.mixture.evaluate(fc, conv).logits];
    });
    const [rowSum, sqNorms, logits] = (await Promise.all(parts.map((t) => t.data()))) as Float32Array[];
    tf.dispose(parts);
    for (let i = 0; i < dims; i++) sum[i] += rowSum[i];
    for (let r = 0; r < chunk.length; r++) {
      sqNormSum += sqNorms[r];
      for (let j = 0; j < k; j++) sqDist[chunk[r] * k + j] = -2 * logits[r * k + j];
    }
  }
  return {
    classes: k,
    dims,
    meanOfMeans: sum.map((s) => s / k),
    meanSquaredNorm: sqNormSum / k,
    centredGram: doubleCentre(sqDist, k),
  };
}

/** B = −½ J D² J (J = I − 11ᵀ/K), from squared distances symmetrised, with a zero diagonal. */
function doubleCentre(sqDist: Float64Array, k: number): Float64Array {
  const d = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) d[i * k + j] = i === j ? 0 : (sqDist[i * k + j] + sqDist[j * k + i]) / 2;
  const rowMean = new Float64Array(k);
  let grand = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) rowMean[i] += d[i * k + j] / k;
    grand += rowMean[i] / k;
  }
  return d.map((v, ij) => -0.5 * (v - rowMean[Math.floor(ij / k)] - rowMean[ij % k] + grand));
}

/** Σ_k weights[r, k] · μ_k for each row r of a rows×K weight matrix: [rows, D] row-major. */
export async function combineMeans(model: Model, weights: Float64Array, rows: number): Promise<Float32Array> {
  const k = model.mixture.classes;
  const dims = model.spec.latent.fcDims + model.spec.latent.convDims;
  let total: tf.Tensor | null = null;
  for (const chunk of classChunks(k, dims)) {
    const w = new Float32Array(rows * chunk.length);
    for (let r = 0; r < rows; r++) chunk.forEach((c, j) => (w[r * chunk.length + j] = weights[r * k + c]));
    const previous: tf.Tensor | null = total;
    total = tf.tidy(() => {
      const part = tf.matMul(tf.tensor2d(w, [rows, chunk.length]), model.mixture.means(chunk));
      return previous ? tf.add(previous, part) : part;
    });
    previous?.dispose();
  }
  const out = (await total!.data()) as Float32Array;
  total!.dispose();
  return out;
}

/** Class indices in groups of about 4M latent values (16 MB of float32) each. */
function classChunks(classes: number, dims: number): number[][] {
  const size = Math.max(1, Math.floor(4_194_304 / dims));
  const out: number[][] = [];
  for (let start = 0; start < classes; start += size)
    out.push(Array.from({ length: Math.min(size, classes - start) }, (_, i) => start + i));
  return out;
}
