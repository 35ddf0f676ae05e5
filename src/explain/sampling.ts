import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { concatFloat32 } from '../util/concat';
import { MT19937 } from '../util/mt19937';
import { assertClassIndex, assertSingleImage, yieldUnlessAborted } from './checks';
import { decodeLatentBatch } from './latentDecode';

type Model = Pick<GenerativeClassifier, 'spec' | 'mixture' | 'decodePausing' | 'forwardTensors'>;
type Classifying = Model & Pick<GenerativeClassifier, 'classify'>;

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
  /** Checked between layers: aborting throws an AbortError within one layer. */
  signal?: AbortSignal;
}

/** z = μ_y + T·ε with ε = numpy.random.RandomState(seed).standard_normal(count·D), decoded. */
export async function sampleClass(model: Model, classIndex: number, options: SampleOptions): Promise<DecodedImages> {
  const { count, seed, temperature = 1, batchSize = 4, signal } = options;
  return decodeLatents(model, await classLatents(model, classIndex, count, seed, temperature), count, { batchSize, signal });
}

/** The first `count` latents z = μ_y + T·ε of a seed, flat; the first n of a seed are the same for any count ≥ n. */
async function classLatents(model: Model, classIndex: number, count: number, seed: number, temperature: number): Promise<Float32Array> {
  assertClassIndex(classIndex, model.mixture.classes);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`temperature must be finite and ≥ 0, got ${temperature}`);
  const dims = latentDims(model);
  const meanTensor = tf.tidy(() => model.mixture.means([classIndex]));
  const mean = (await meanTensor.data()) as Float32Array;
  meanTensor.dispose();
  const noise = standardNormal(seed, count * dims);
  return Float32Array.from(noise, (e, i) => mean[i % dims] + temperature * e);
}

/** What the classifier says about an image it decoded: f(x) is evaluated again, so this is the model's view of x itself. */
export interface ImageFacts {
  /** argmax_y p(y|x). */
  predicted: number;
  /** p(predicted|x). */
  probability: number;
  /** −log p(x) in nats of the normalized input. */
  nll: number;
  /** −log p(x) in bits per dimension of the 8-bit image (the classifier's definition). */
  bitsPerDim: number;
}

/** Classifies `count` normalized NHWC images in batches. */
export async function describeImages(
  model: Classifying,
  images: Float32Array,
  count: number,
  { batchSize = 4, signal }: DecodeOptions = {},
): Promise<ImageFacts[]> {
  const { channels, height, width } = model.spec.input;
  const size = height * width * channels;
  const facts: ImageFacts[] = [];
  for (let start = 0; start < count; start += batchSize) {
    await yieldUnlessAborted(signal);
    const n = Math.min(batchSize, count - start);
    const x = tf.tensor4d(images.subarray(start * size, (start + n) * size), [n, height, width, channels]);
    const r = await model.classify(x, () => yieldUnlessAborted(signal)).finally(() => x.dispose());
    for (let i = 0; i < n; i++) {
      const row = r.posterior.subarray(i * r.classes, (i + 1) * r.classes);
      const predicted = row.indexOf(Math.max(...row));
      facts.push({ predicted, probability: row[predicted], nll: -r.logEvidence[i], bitsPerDim: r.bitsPerDim[i] });
    }
  }
  return facts;
}

export interface TypicalSampleOptions extends SampleOptions {
  /** −log p(x) in nats that counts as typical: [low, high]. */
  typical: [number, number];
  /** Candidates drawn at most (the seed's first `maxDraws` latents), ≥ count. */
  maxDraws: number;
}

/** Samples with their facts; `draws` candidates were decoded to find them. */
export interface DescribedSamples extends DecodedImages {
  facts: ImageFacts[];
  draws: number;
}

/**
 * Samples from the typical set: the seed's candidates z = μ_y + T·ε in order, keeping those whose
 * decoded x has −log p(x) inside `typical`, until `count` are kept or `maxDraws` are spent (then
 * fewer come back). A flow's most likely images (near T = 0) are not typical of its data.
 */
export async function sampleTypical(model: Classifying, classIndex: number, options: TypicalSampleOptions): Promise<DescribedSamples> {
  const { count, seed, temperature = 1, batchSize = 4, signal, typical, maxDraws } = options;
  if (!Number.isInteger(maxDraws) || maxDraws < count) throw new RangeError(`maxDraws must be an integer ≥ count, got ${maxDraws}`);
  const [low, high] = typical;
  if (!(low <= high)) throw new RangeError(`the typical range [${low}, ${high}] is empty`);
  const dims = latentDims(model);
  const candidates = await classLatents(model, classIndex, maxDraws, seed, temperature);
  const kept: { image: Float32Array; latent: Float32Array; facts: ImageFacts }[] = [];
  let draws = 0;
  while (kept.length < count && draws < maxDraws) {
    const n = Math.min(batchSize, maxDraws - draws);
    const latents = candidates.subarray(draws * dims, (draws + n) * dims);
    const decoded = await decodeLatents(model, latents, n, { batchSize, signal });
    const facts = await describeImages(model, decoded.images, n, { batchSize, signal });
    const size = decoded.images.length / n;
    for (let i = 0; i < n && kept.length < count; i++)
      if (facts[i].nll >= low && facts[i].nll <= high)
        kept.push({ image: decoded.images.subarray(i * size, (i + 1) * size), latent: latents.subarray(i * dims, (i + 1) * dims), facts: facts[i] });
    draws += n;
  }
  const { channels, height, width } = model.spec.input;
  return {
    count: kept.length,
    height,
    width,
    channels,
    images: concatFloat32(kept.map((k) => k.image)),
    latents: concatFloat32(kept.map((k) => k.latent)),
    facts: kept.map((k) => k.facts),
    draws,
  };
}

export interface TypicalTemperatureOptions {
  seed: number;
  /** The −log p(x) (nats) wanted: the centre of the data's typical range. */
  target: number;
  /** Samples whose median −log p(x) is matched. Default 8. */
  pilot?: number;
  /** Bisection steps on [0, maxTemperature]. Default 8 (T to within 2⁻⁸ of the range). */
  steps?: number;
  maxTemperature?: number;
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * The temperature whose samples are typical of the data: the T at which the median −log p(x) of the
 * seed's first `pilot` samples equals `target`, by bisection (−log p(x) of z = μ_y + T·ε grows with T,
 * from the mode at T = 0). Returns maxTemperature when even that stays below the target.
 */
export async function typicalTemperature(model: Classifying, classIndex: number, options: TypicalTemperatureOptions): Promise<number> {
  const { seed, target, pilot = 8, steps = 8, maxTemperature = 2, batchSize = 4, signal } = options;
  if (!Number.isFinite(target)) throw new RangeError(`the target −log p(x) must be finite, got ${target}`);
  let low = 0;
  let high = maxTemperature;
  for (let step = 0; step < steps; step++) {
    const temperature = (low + high) / 2;
    const decoded = await sampleClass(model, classIndex, { count: pilot, seed, temperature, batchSize, signal });
    const nll = (await describeImages(model, decoded.images, pilot, { batchSize, signal })).map((f) => f.nll).sort((a, b) => a - b);
    const median = (nll[(pilot - 1) >> 1] + nll[pilot >> 1]) / 2;
    if (median < target) low = temperature;
    else high = temperature;
  }
  return (low + high) / 2;
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
  /** Checked between layers: aborting throws an AbortError within one layer. */
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
    images.set(await decodeLatentBatch(model, latents.subarray(start * dims, (start + n) * dims), n, signal), start * size);
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
