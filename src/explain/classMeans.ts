import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { nextTask } from './checks';

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

/** Cached per model; everything comes from the low-rank factors, mu_conv is never formed. pause: awaited between slices. */
export function classMeanGeometry(model: Model, pause: () => Promise<void> = nextTask): Promise<ClassMeanGeometry> {
  let geometry = cache.get(model.mixture);
  if (!geometry) {
    geometry = computeGeometry(model, pause);
    cache.set(model.mixture, geometry);
    geometry.catch(() => cache.delete(model.mixture));
  }
  return geometry;
}

const cache = new WeakMap<object, Promise<ClassMeanGeometry>>();

/** Gram rows per slice: about 0.2 s at 1000 classes on one wasm thread, so a new image waits for one slice at most. */
const GRAM_ROWS = 64;

async function computeGeometry(model: Model, pause: () => Promise<void>): Promise<ClassMeanGeometry> {
  const k = model.mixture.classes;
  const sumT = tf.tidy(() => model.mixture.combine(tf.ones([1, k])));
  const sum = (await sumT.data()) as Float32Array;
  sumT.dispose();
  const gram = new Float32Array(k * k);
  for (let from = 0; from < k; from += GRAM_ROWS) {
    const rows = model.mixture.gramRows(from, Math.min(k, from + GRAM_ROWS));
    gram.set((await rows.data()) as Float32Array, from * k);
    rows.dispose();
    await pause();
  }
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
export async function combineMeans(model: Model, weights: Float64Array, rows: number, pause: () => Promise<void> = nextTask): Promise<Float32Array> {
  const k = model.mixture.classes;
  const { fcDims, convDims } = model.spec.latent;
  const out = new Float32Array(rows * (fcDims + convDims));
  for (let from = 0; from < rows; from += COMBINED_ROWS) {
    const to = Math.min(rows, from + COMBINED_ROWS);
    const part = tf.tidy(() => model.mixture.combine(tf.tensor2d(Float32Array.from(weights.subarray(from * k, to * k)), [to - from, k])));
    out.set((await part.data()) as Float32Array, from * (fcDims + convDims));
    part.dispose();
    if (to < rows) await pause();
  }
  return out;
}

/** Rows combined per slice: about 0.1 s at 224² on one wasm thread. */
const COMBINED_ROWS = 8;
