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
  centeredGram: Float64Array;
}

/** Cached per model; everything comes from the low-rank factors, mu_conv is never formed. */
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
  const [sumT, gramT] = tf.tidy(() => [model.mixture.combine(tf.ones([1, k])), model.mixture.gram()]);
  const [sum, gram] = (await Promise.all([sumT.data(), gramT.data()])) as Float32Array[];
  tf.dispose([sumT, gramT]);
  let sqNormSum = 0;
  for (let i = 0; i < k; i++) sqNormSum += gram[i * k + i];
  return {
    classes: k,
    dims: sum.length,
    meanOfMeans: Float64Array.from(sum, (s) => s / k),
    meanSquaredNorm: sqNormSum / k,
    centeredGram: doubleCenter(gram, k),
  };
}

/** B = J G J (J = I − 11ᵀ/K): the Gram matrix of the centered means, symmetrised, in float64. */
function doubleCenter(gram: Float32Array, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) g[i * k + j] = (gram[i * k + j] + gram[j * k + i]) / 2;
  const rowMean = new Float64Array(k);
  let grand = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) rowMean[i] += g[i * k + j] / k;
    grand += rowMean[i] / k;
  }
  return g.map((v, ij) => v - rowMean[Math.floor(ij / k)] - rowMean[ij % k] + grand);
}

/** Σ_k weights[r, k] · μ_k for each row r of a rows×K weight matrix: [rows, D] row-major. */
export async function combineMeans(model: Model, weights: Float64Array, rows: number): Promise<Float32Array> {
  const k = model.mixture.classes;
  const total = tf.tidy(() => model.mixture.combine(tf.tensor2d(Float32Array.from(weights), [rows, k])));
  const out = (await total.data()) as Float32Array;
  total.dispose();
  return out;
}
