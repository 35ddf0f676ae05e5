/// <reference lib="webworker" />
/**
 * The inference worker's code (its entry, inference.worker.ts, imports it). Owns TensorFlow.js: chooses the backend, loads models and answers requests. Quick requests run
 * one at a time in order; long explanations (maps, samples, interpolations) run beside them,
 * yielding between layers and holding still while a quick request runs, so a slider edit never waits for a map to
 * finish. A new image (classify) goes ahead of the waiting requests about the old one and cancels those running,
 * which stop within one layer.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeLatentBatch, joinLatents } from '../explain/latentDecode';
import { activeBackend, BACKEND_ORDER, type BackendChoice, chooseBackend } from '../flow/backend';
import type { GenerativeClassifier } from '../flow/classifier';
import { attackCurrent, attackImages } from './attackCalls';
import { holdLongRequests, watchNewImages } from './backgroundPause';
import { edit, interpolate, latentGuide, likelihoodMap, sample } from './explainCalls';
import { modelInputImage } from './modelInputImage';
import { pixelsToImage } from './modelPixels';
import type { Calls, CallType, ModelSource, Reconstruction, WorkerRequest, WorkerResponse } from './protocol';
import { loadFromSource, prepareInput, requireImage, requireModel, session } from './session';
import { trustBatch } from './trustBatch';

declare const self: DedicatedWorkerGlobalScope;

/** Progress messages are spaced out: a large model streams thousands of chunks. */
const PROGRESS_INTERVAL_MS = 50;

let backend: BackendChoice | null = null;
/** Why init failed, for the requests that need a backend. */
let backendFailure: string | null = null;
/** The second model of the side-by-side view, kept while it is asked for. */
let compared: { key: string; model: GenerativeClassifier } | null = null;
const queue: WorkerRequest[] = [];
let draining = false;
/** The quick request being answered, with the means to cancel it. */
let current: { request: WorkerRequest; controller: AbortController } | null = null;

const LONG_TYPES: readonly CallType[] = ['map', 'sample', 'interpolate', 'trustBatch', 'attack', 'attackBatch'];
/** Long requests that do not read the current image: a new image leaves them running. */
const IMAGE_FREE_TYPES: readonly CallType[] = ['trustBatch', 'attackBatch'];
/** Quick requests about the current image: a new image makes them moot. */
const IMAGE_TYPES: readonly CallType[] = ['reconstruct', 'latentGuide', 'edit'];
/** Requests a new image does not overtake: it needs the backend and the model they set. */
const SETUP_TYPES: readonly CallType[] = ['init', 'load'];
/** The running long request of each type; a newer one of the same type cancels it. */
const running = new Map<CallType, { controller: AbortController; settled: Promise<void> }>();
watchNewImages(() => current?.request.type === 'classify' || queue.some((q) => q.type === 'classify'));
/** The signals of the long requests. */
const longSignals = new WeakSet<AbortSignal>();
holdLongRequests(
  (signal) => longSignals.has(signal),
  () => current !== null || queue.length > 0,
);

const post = (message: WorkerResponse) => self.postMessage(message);
const sourceKey = (s: ModelSource) => ('modelUrl' in s ? `url:${s.modelUrl}` : `stored:${s.storedId}`);

type Handler<K extends CallType> = (request: WorkerRequest<K>, signal: AbortSignal) => Promise<Calls[K]['result']>;

const handlers: { [K in CallType]: Handler<K> } = {
  async init({ backends, wasmPaths, wasmThreads }) {
    if (!backend) {
      try {
        backend = await chooseBackend(backends ?? BACKEND_ORDER, { wasmPaths, wasmThreads });
      } catch (e) {
        backendFailure = e instanceof Error ? e.message : String(e);
        throw e;
      }
      tf.enableProdMode();
    }
    return backend;
  },

  async load(request) {
    const { id } = request;
    if (!backend) throw new Error(backendFailure ? `no compute backend runs: ${backendFailure}` : 'the worker has no backend yet: send init first');
    let lastPost = 0;
    const next = await loadFromSource(request, (loadedBytes, totalBytes) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_INTERVAL_MS && loadedBytes < totalBytes) return;
      lastPost = now;
      post({ type: 'progress', id, done: loadedBytes, total: totalBytes });
    });
    // Long requests still hold the old model's weights.
    await cancelLongRequests();
    session.model?.dispose();
    session.model = next;
    session.image = null;
    return next.spec;
  },

  async classify({ input }) {
    const started = performance.now();
    // Long requests read the current image: they are about the old one now.
    await cancelLongRequests(IMAGE_FREE_TYPES);
    const m = requireModel();
    const prepared = await prepareInput(input, m);
    const { channels, height, width } = m.spec.input;
    const size = channels * height * width;
    const x = tf.tensor4d(prepared.data, [prepared.batch, height, width, channels]);
    try {
      const forwardStarted = performance.now();
      const result = await m.classify(x);
      const forwardMs = performance.now() - forwardStarted;
      const first = prepared.data.slice(0, size);
      const { fcDims, convDims } = m.spec.latent;
      const z = joinLatents(m.spec, result.zFc.subarray(0, fcDims), result.zConv.subarray(0, convDims), 1);
      const k = result.classes;
      session.image = { x: first, z, posterior: result.posterior.slice(0, k), logits: result.logits.slice(0, k) };
      return {
        result,
        input: prepared.pixels ? pixelsToImage(prepared.pixels) : modelInputImage(first, m.spec),
        pixels: prepared.pixels,
        notes: prepared.notes,
        backend: activeBackend(),
        timing: { totalMs: performance.now() - started, forwardMs },
      };
    } finally {
      x.dispose();
    }
  },

  reconstruct: (_, signal) => reconstruct(requireModel(), requireImage(), signal),

  map: ({ id, request }, signal) => likelihoodMap(request, signal, progressOf(id)),
  latentGuide: ({ a, b, dims, principal }, signal) => latentGuide(a, b, dims, principal, signal),
  edit: ({ from, sliders }, signal) => edit(from, sliders, signal),
  sample: ({ classIndex, count, seed, temperature, typical }, signal) => sample(classIndex, count, seed, temperature, typical, signal),
  interpolate: ({ other, steps }, signal) => interpolate(other, steps, signal),
  trustBatch: ({ images }, signal) => trustBatch(images, signal),
  attack: ({ id, settings, searchAttacks }, signal) => attackCurrent(settings, searchAttacks, signal, progressOf(id)),
  attackBatch: ({ id, images, settings }, signal) => attackImages(images, settings, signal, progressOf(id)),

  async compare({ id, model, input }) {
    const key = sourceKey(model);
    if (compared?.key !== key) {
      compared?.model.dispose();
      compared = null;
      compared = { key, model: await loadFromSource(model, (done, total) => post({ type: 'progress', id, done, total })) };
    }
    const m = compared.model;
    const prepared = await prepareInput(input, m);
    const { channels, height, width } = m.spec.input;
    const x = tf.tensor4d(prepared.data, [1, height, width, channels]);
    try {
      const result = await m.classify(x);
      const image = prepared.pixels ? pixelsToImage(prepared.pixels) : modelInputImage(prepared.data, m.spec);
      return { spec: m.spec, classification: { result, input: image, notes: prepared.notes, backend: activeBackend() } };
    } finally {
      x.dispose();
    }
  },

  async decode({ zFc, zConv, batch }) {
    const m = requireModel();
    return decodeLatentBatch(m, joinLatents(m.spec, zFc, zConv, batch), batch);
  },

  // Answered in onmessage, never queued.
  cancel: async () => false,

  async memory() {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes };
  },
};

/** Progress of a long request, spaced out like a load's. */
function progressOf(id: number): (done: number, total: number) => void {
  let lastPost = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - lastPost < PROGRESS_INTERVAL_MS && done < total) return;
    lastPost = now;
    post({ type: 'progress', id, done, total });
  };
}

/** x̂ = f⁻¹(z) and the per-pixel error max_c |x − x̂| on the [0, 1] pixel scale. */
async function reconstruct(m: GenerativeClassifier, { x, z }: { x: Float32Array; z: Float32Array }, signal: AbortSignal): Promise<Reconstruction> {
  const { channels, height, width } = m.spec.input;
  const xHat = await decodeLatentBatch(m, z, 1, signal);
  const std = m.spec.preprocessing.std;
  const error = new Float32Array(height * width);
  let maxError = 0;
  for (let i = 0; i < xHat.length; i++) {
    const p = Math.floor(i / channels);
    const e = Math.abs(x[i] - xHat[i]) * std[i % channels];
    if (e > error[p]) error[p] = e;
    if (e > maxError) maxError = e;
  }
  return { image: modelInputImage(xHat, m.spec), error, maxError };
}

/**
 * The worker's message handler. A newer request of the same type replaces one still waiting in the queue, or
 * cancels a running long one. A classify cancels everything about the old image (waiting or running) and is answered next.
 */
export function onMessage(event: MessageEvent<WorkerRequest>): void {
  const request = event.data;
  if (request.type === 'cancel') {
    const r = running.get(request.kind);
    r?.controller.abort();
    post({ type: 'done', id: request.id, result: Boolean(r) });
    return;
  }
  if (LONG_TYPES.includes(request.type)) {
    startLong(request);
    return;
  }
  const waiting = queue.findIndex((q) => q.type === request.type);
  if (waiting >= 0) post({ type: 'superseded', id: queue.splice(waiting, 1)[0].id });
  if (request.type === 'classify') {
    for (const [type, r] of running) if (!IMAGE_FREE_TYPES.includes(type)) r.controller.abort();
    if (current && IMAGE_TYPES.includes(current.request.type)) current.controller.abort();
    for (let i = queue.length - 1; i >= 0; i--) if (IMAGE_TYPES.includes(queue[i].type)) post({ type: 'superseded', id: queue.splice(i, 1)[0].id });
    const first = queue.findIndex((q) => !SETUP_TYPES.includes(q.type));
    queue.splice(first < 0 ? queue.length : first, 0, request);
  } else queue.push(request);
  if (!draining) void drain();
}

async function drain(): Promise<void> {
  draining = true;
  for (let request = queue.shift(); request; request = queue.shift()) {
    current = { request, controller: new AbortController() };
    await answer(request, current.controller.signal);
    current = null;
  }
  draining = false;
}

/** Starts once the request it cancels has let go of its tensors. */
function startLong(request: WorkerRequest): void {
  const previous = running.get(request.type);
  previous?.controller.abort();
  const controller = new AbortController();
  longSignals.add(controller.signal);
  const settled = (async () => {
    await previous?.settled;
    if (controller.signal.aborted) post({ type: 'superseded', id: request.id });
    else await answer(request, controller.signal);
    if (running.get(request.type)?.controller === controller) running.delete(request.type);
  })();
  running.set(request.type, { controller, settled });
}

async function cancelLongRequests(keep: readonly CallType[] = []): Promise<void> {
  const all = [...running].filter(([type]) => !keep.includes(type)).map(([, r]) => r);
  for (const r of all) r.controller.abort();
  await Promise.all(all.map((r) => r.settled));
}

async function answer(request: WorkerRequest, signal: AbortSignal): Promise<void> {
  try {
    const handler = handlers[request.type] as Handler<CallType>;
    post({ type: 'done', id: request.id, result: await handler(request, signal) });
  } catch (e) {
    if (signal.aborted) post({ type: 'superseded', id: request.id });
    else post({ type: 'failed', id: request.id, message: e instanceof Error ? e.message : String(e) });
  }
}
