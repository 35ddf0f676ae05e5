/** The explanation requests, all about the worker's current image. */
import * as tf from '@tensorflow/tfjs';
import { decomposeLogitDifference } from '../explain/decomposition';
import { type Attribution, inputTimesGradient, integratedGradients, type Objective } from '../explain/gradients';
import { imageChange } from '../explain/imageChange';
import { decodeLatentBatch, splitLatents } from '../explain/latentDecode';
import { type PrincipalDirections, principalDirections, residualStrength, separatingDimensions, towardCrossing } from '../explain/latentEdit';
import { occlusionMap } from '../explain/occlusion';
import { type DecodedImages, describeImages, interpolateImages, sampleClass, sampleTypical, typicalTemperature } from '../explain/sampling';
import type { GenerativeClassifier } from '../flow/classifier';
import { yieldToNewImages } from './backgroundPause';
import { editLatent } from './latentEdits';
import { modelInputImage } from './modelInputImage';
import type {
  Counterfactual,
  ImageInput,
  ImageStrip,
  Interpolation,
  LatentGuide,
  LikelihoodMap,
  MapRequest,
  ModelInputImage,
  SampleStrip,
  SliderValue,
} from './protocol';
import { prepareInput, requireImage, requireModel } from './session';

/** The residual is measured against at most this many principal directions (all K − 1 for small K). */
const MAX_PRINCIPAL = 32;
const principalCache = new WeakMap<GenerativeClassifier, Promise<PrincipalDirections>>();

function principalOf(model: GenerativeClassifier): Promise<PrincipalDirections> {
  let p = principalCache.get(model);
  if (!p) {
    p = principalDirections(model, Math.min(MAX_PRINCIPAL, Math.max(1, model.mixture.classes - 1)), yieldToNewImages);
    principalCache.set(model, p);
  }
  return p;
}

/**
 * Images per batch in long explanations: 8 at 32², one at 224², so the worker yields after every
 * pass of about a second there and a newer request waits for one pass at most.
 */
const BATCH_PIXELS = 8 * 64 * 64;
function batchFor(model: GenerativeClassifier): number {
  const { height, width } = model.spec.input;
  return Math.max(1, Math.min(8, Math.floor(BATCH_PIXELS / (height * width))));
}

/** The promise's value, or the signal's AbortError as soon as it is aborted (the work itself goes on). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function currentTensor(model: GenerativeClassifier): tf.Tensor4D {
  const { channels, height, width } = model.spec.input;
  return tf.tensor4d(requireImage().x, [1, height, width, channels]);
}

export async function likelihoodMap(request: MapRequest, signal: AbortSignal, onStep?: (done: number, total: number) => void): Promise<LikelihoodMap> {
  const model = requireModel();
  const started = performance.now();
  const { target, contrast } = request;
  const x = currentTensor(model);
  try {
    if (request.method === 'decomposition') {
      if (contrast === target) throw new Error('the latent decomposition compares two different classes: choose another contrast');
      const d = await decomposeLogitDifference(model, x, target, contrast === 'mean' ? { kind: 'mean' } : { kind: 'class', index: contrast }, signal);
      return {
        request,
        width: d.size,
        height: d.size,
        values: d.map,
        explains: { kind: 'logit-difference', value: d.logitDifference },
        check: { rule: 'cell-sum', total: d.mapSum, expected: d.logitDifference, relativeError: d.checkError },
        elapsedMs: performance.now() - started,
      };
    }
    if (request.method === 'occlusion') {
      const patch = Math.min(request.patch, model.spec.input.height, model.spec.input.width);
      const o = await occlusionMap(model, x, {
        classIndex: target,
        patch,
        stride: request.stride,
        fill: request.fill,
        signal,
        batchSize: batchFor(model),
        onStep,
      });
      return {
        request,
        width: o.width,
        height: o.height,
        values: o.pixelMap,
        explains: { kind: 'occlusion', value: o.logLikelihood, patch },
        check: null,
        elapsedMs: performance.now() - started,
      };
    }
    if (request.objective === 'contrast' && contrast === target)
      throw new Error('a contrast objective compares two different classes: choose another contrast');
    const objective: Objective =
      request.objective === 'likelihood' ? { kind: 'likelihood', classIndex: target } : { kind: 'logitDifference', classIndex: target, contrast };
    const a: Attribution =
      request.method === 'input-gradient'
        ? await inputTimesGradient(model, x, objective, { signal, onStep })
        : await integratedGradients(model, x, objective, { steps: request.steps, signal, batchSize: batchFor(model), onStep });
    return {
      request,
      width: a.width,
      height: a.height,
      values: a.map,
      explains: { kind: objective.kind === 'likelihood' ? 'likelihood-from-baseline' : 'logit-difference-from-baseline', value: a.value - a.baselineValue },
      check: { rule: 'completeness', total: a.total, expected: a.value - a.baselineValue, relativeError: a.relativeCompletenessError },
      elapsedMs: performance.now() - started,
    };
  } finally {
    x.dispose();
  }
}

export async function latentGuide(a: number, b: number, dims: number, principalCount: number, signal: AbortSignal): Promise<LatentGuide> {
  const model = requireModel();
  const { z } = requireImage();
  const separating = a === b ? [] : await separatingDimensions(model, z, a, b, dims);
  // The directions take seconds at 1000 classes; a cancel stops the wait, not the (cached) computation.
  const principal = await unlessAborted(principalOf(model), signal);
  const residual = residualStrength(principal, z);
  const crossing = a === b ? null : await towardCrossing(model, z, a, b);
  const shown = Math.min(principalCount, principal.count);
  return {
    a,
    b,
    separating,
    principalStd: Array.from(principal.variances.subarray(0, shown), Math.sqrt),
    principalShare: Array.from(principal.explainedVarianceRatio.subarray(0, shown)),
    principalCoordinates: Array.from(residual.coordinates.subarray(0, shown)),
    residual: { norm: residual.residualNorm, rms: residual.residualRms, subspaceDims: residual.subspaceDims, distanceFromCenter: residual.distanceFromCenter },
    crossing,
  };
}

export async function edit(from: number, sliders: SliderValue[], signal: AbortSignal): Promise<Counterfactual> {
  const started = performance.now();
  const model = requireModel();
  const image = requireImage();
  const moved = sliders.filter((s) => s.amount !== 0);
  if (moved.length === 0)
    return {
      image: modelInputImage(image.x, model.spec),
      posterior: image.posterior,
      logits: image.logits,
      original: true,
      change: imageChange(image.x, image.x, model.spec),
      timing: { totalMs: 0, inverseMs: 0 },
    };
  const needsPrincipal = moved.some((s) => s.direction.kind === 'principal' || s.direction.kind === 'residual');
  const principal = needsPrincipal ? await unlessAborted(principalOf(model), signal) : undefined;
  const z = await editLatent(model, image.z, from, moved, principal);
  signal.throwIfAborted();
  const edited = performance.now();
  const x = await decodeLatentBatch(model, z, 1, signal);
  const head = tf.tidy(() => {
    const { logits, posterior } = model.mixture.evaluate(...splitLatents(model.spec, z, 1));
    return [posterior, logits];
  });
  const [posterior, logits] = (await Promise.all(head.map((t) => t.data()))) as Float32Array[];
  tf.dispose(head);
  const done = performance.now();
  return {
    image: modelInputImage(x, model.spec),
    posterior,
    logits,
    original: false,
    change: imageChange(image.x, x, model.spec),
    timing: { totalMs: done - started, inverseMs: done - edited },
  };
}

/** Candidates decoded per sample asked for, at most, when only typical samples are kept. */
const DRAWS_PER_TYPICAL_SAMPLE = 8;

export async function sample(
  classIndex: number,
  count: number,
  seed: number,
  temperature: number,
  typical: [number, number] | null,
  signal: AbortSignal,
): Promise<SampleStrip> {
  const model = requireModel();
  const batchSize = batchFor(model);
  const mean = await sampleClass(model, classIndex, { count: 1, seed: 0, temperature: 0, signal });
  const [mode] = await describeImages(model, mean.images, 1, { signal });
  if (!typical) {
    const decoded = await sampleClass(model, classIndex, { count, seed, temperature, signal, batchSize });
    return { ...(await strip(model, decoded, signal)), requested: count, draws: count, mode, temperature, typicalBits: null };
  }
  const typicalT = await typicalTemperature(model, classIndex, { seed, target: (typical[0] + typical[1]) / 2, batchSize, signal });
  const found = await sampleTypical(model, classIndex, {
    count,
    seed,
    temperature: typicalT,
    signal,
    batchSize,
    typical,
    maxDraws: DRAWS_PER_TYPICAL_SAMPLE * count,
  });
  return {
    images: displayImages(model, found),
    facts: found.facts,
    requested: count,
    draws: found.draws,
    mode,
    temperature: typicalT,
    typicalBits: [model.bitsPerDim(typical[0]), model.bitsPerDim(typical[1])],
  };
}

export async function interpolate(other: ImageInput, steps: number, signal: AbortSignal): Promise<Interpolation> {
  const model = requireModel();
  const { channels, height, width } = model.spec.input;
  const b = await prepareInput(other, model);
  const xA = currentTensor(model);
  const xB = tf.tensor4d(b.data.subarray(0, channels * height * width), [1, height, width, channels]);
  try {
    return { ...(await strip(model, await interpolateImages(model, xA, xB, steps, { signal, batchSize: batchFor(model) }), signal)), second: b.pixels };
  } finally {
    xA.dispose();
    xB.dispose();
  }
}

/** Decoded images for display, each with what the classifier says about it. */
async function strip(model: GenerativeClassifier, decoded: DecodedImages, signal: AbortSignal): Promise<ImageStrip> {
  const facts = await describeImages(model, decoded.images, decoded.count, { batchSize: batchFor(model), signal });
  return { images: displayImages(model, decoded), facts };
}

function displayImages(model: GenerativeClassifier, decoded: DecodedImages): ModelInputImage[] {
  const size = decoded.height * decoded.width * decoded.channels;
  return Array.from({ length: decoded.count }, (_, i) => modelInputImage(decoded.images.subarray(i * size, (i + 1) * size), model.spec));
}
