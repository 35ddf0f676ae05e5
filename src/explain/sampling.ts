import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { MT19937 } from '../util/mt19937';
import { assertClassIndex, assertSingleImage, yieldUnlessAborted } from './checks';
import { decodeLatentBatch } from './latentDecode';

type Model = Pick<GenerativeClassifier, 'spec' | 'mixture' | 'decode' | 'forwardTensors'>;

/** Decoded images with the latents they came from. */
export interface DecodedImages {
  count: number;
  height: number;
  width: number;
  channels: number;
  /** [count, H, W, C]: normalized NHWC. */
  images: Float32Array;
  /** [count, D]: flat [z_fc, z_conv]. */
  latents: Float32Array;
}

export interface SampleOptions {
  count: number;
  /** An integer in [0, 2³² − 1]; the same seed gives the same samples everywhere. */
  seed: number;
  /** T in z = μ_y + T·ε. Default 1. */
  temperature?: number;
  /** Images per inverse pass. Default 4. */
  batchSize?: number;
  /** Checked between inverse passes: aborting throws an AbortError. */
  signal?: AbortSignal;
}

/** z = μ_y + T·ε with ε = numpy.random.RandomState(seed).standard_normal(count·D), decoded. */
export async function sampleClass(model: Model, classIndex: number, options: SampleOptions): Promise<DecodedImages> {
  const { count, seed, temperature = 1, batchSize = 4, signal } = options;
  assertClassIndex(classIndex, model.mixture.classes);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`temperature must be finite and ≥ 0, got ${temperature}`);
  const dims = latentDims(model);
  const meanTensor = tf.tidy(() => model.mixture.means([classIndex]));
  const mean = (await meanTensor.data()) as Float32Array;
  meanTensor.dispose();
  const noise = standardNormal(seed, count * dims);
  const latents = Float32Array.from(noise, (e, i) => mean[i % dims] + temperature * e);
  return decodeLatents(model, latents, count, { batchSize, signal });
}

/** z_A + s (z_B − z_A) for s = 0, 1/(n−1), …, 1 between the latents of two images, decoded. */
export async function interpolateImages(model: Model, xA: tf.Tensor, xB: tf.Tensor, steps: number, options: DecodeOptions = {}): Promise<DecodedImages> {
  assertSingleImage(xA, 'interpolateImages');
  assertSingleImage(xB, 'interpolateImages');
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`steps must be an integer ≥ 2, got ${steps}`);
  const dims = latentDims(model);
  const z = tf.tidy(() => {
    const { zFc, zConv } = model.forwardTensors(tf.concat([xA, xB]));
    return tf.concat([zFc, zConv], 1);
  });
  const ends = (await z.data()) as Float32Array;
  z.dispose();
  const latents = new Float32Array(steps * dims);
  for (let j = 0; j < steps; j++) {
    const s = j / (steps - 1);
    for (let i = 0; i < dims; i++) latents[j * dims + i] = (1 - s) * ends[i] + s * ends[dims + i];
  }
  return decodeLatents(model, latents, steps, options);
}

export interface DecodeOptions {
  /** Images per inverse pass. Default 4. */
  batchSize?: number;
  /** Checked between inverse passes: aborting throws an AbortError. */
  signal?: AbortSignal;
}

/** x = f⁻¹(z) for `count` flat latents, in batches. */
export async function decodeLatents(model: Model, latents: Float32Array, count: number, { batchSize = 4, signal }: DecodeOptions = {}): Promise<DecodedImages> {
  const dims = latentDims(model);
  if (latents.length !== count * dims) throw new RangeError(`expected ${count} latents of ${dims} values`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { channels, height, width } = model.spec.input;
  const size = height * width * channels;
  const images = new Float32Array(count * size);
  for (let start = 0; start < count; start += batchSize) {
    await yieldUnlessAborted(signal);
    const n = Math.min(batchSize, count - start);
    images.set(await decodeLatentBatch(model, latents.subarray(start * dims, (start + n) * dims), n), start * size);
  }
  return { count, height, width, channels, images, latents };
}

/**
 * numpy.random.RandomState(seed).standard_normal(n): MT19937 doubles through numpy's legacy
 * polar Box–Muller, which hands out f·x2 first and keeps f·x1 for the next draw.
 */
export function standardNormal(seed: number, n: number): Float64Array {
  const rng = new MT19937(seed);
  const uniform = () => ((rng.nextUint32() >>> 5) * 67108864 + (rng.nextUint32() >>> 6)) / 9007199254740992;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * uniform() - 1;
      x2 = 2 * uniform() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    out[i] = f * x2;
    if (i + 1 < n) out[i + 1] = f * x1;
  }
  return out;
}

function latentDims(model: Model): number {
  return model.spec.latent.fcDims + model.spec.latent.convDims;
}
