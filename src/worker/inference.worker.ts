/// <reference lib="webworker" />
/** Owns TensorFlow.js: chooses the backend, loads models and answers requests one at a time. */
import * as tf from '@tensorflow/tfjs';
import { activeBackend, BACKEND_ORDER, chooseBackend, type BackendChoice } from '../flow/backend';
import type { GenerativeClassifier } from '../flow/classifier';
import { loadClassifier } from '../flow/loadClassifier';
import { httpPackageFiles } from '../formats/modelPackage';
import { preprocessImage } from '../formats/preprocess';
import { decodeImage } from './decodeImage';
import { modelInputImage } from './modelInputImage';
import type { CallType, Calls, WorkerRequest, WorkerResponse } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

/** Progress messages are spaced out: a large model streams thousands of chunks. */
const PROGRESS_INTERVAL_MS = 50;

let backend: BackendChoice | null = null;
let model: GenerativeClassifier | null = null;
const queue: WorkerRequest[] = [];
let draining = false;

const post = (message: WorkerResponse) => self.postMessage(message);

function requireModel(): GenerativeClassifier {
  if (!model) throw new Error('no model is loaded');
  return model;
}

const handlers: { [K in CallType]: (request: WorkerRequest<K>) => Promise<Calls[K]['result']> } = {
  async init({ backends, wasmPaths }) {
    if (!backend) {
      backend = await chooseBackend(backends ?? BACKEND_ORDER, { wasmPaths });
      tf.enableProdMode();
    }
    return backend;
  },

  async load({ id, modelUrl }) {
    if (!backend) throw new Error('the worker has no backend yet: send init first');
    let lastPost = 0;
    const next = await loadClassifier(httpPackageFiles(modelUrl), (loadedBytes, totalBytes) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_INTERVAL_MS && loadedBytes < totalBytes) return;
      lastPost = now;
      post({ type: 'progress', id, loadedBytes, totalBytes });
    });
    model?.dispose();
    model = next;
    return next.spec;
  },

  async classify({ input }) {
    const m = requireModel();
    const { channels, height, width } = m.spec.input;
    const size = channels * height * width;
    const [data, batch] =
      input.kind === 'file' ? [preprocessImage(await decodeImage(input.file, input.name), m.spec), 1] : [input.data, input.batch];
    if (data.length !== batch * size)
      throw new Error(`the input holds ${data.length} values; ${batch} image(s) of ${width}x${height}x${channels} need ${batch * size}`);
    const x = tf.tensor4d(data, [batch, height, width, channels]);
    try {
      const result = await m.classify(x);
      return { result, input: modelInputImage(data.subarray(0, size), m.spec), backend: activeBackend() };
    } finally {
      x.dispose();
    }
  },

  async decode({ zFc, zConv, batch }) {
    const m = requireModel();
    const { fcDims, convDims } = m.spec.latent;
    const x = tf.tidy(() => m.decode(tf.tensor2d(zFc, [batch, fcDims]), tf.tensor2d(zConv, [batch, convDims])));
    try {
      return (await x.data()) as Float32Array;
    } finally {
      x.dispose();
    }
  },
};

/** A newer request of the same type replaces one still waiting in the queue. */
self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  const waiting = queue.findIndex((q) => q.type === request.type);
  if (waiting >= 0) post({ type: 'superseded', id: queue.splice(waiting, 1)[0].id });
  queue.push(request);
  if (!draining) void drain();
};

async function drain(): Promise<void> {
  draining = true;
  for (let request = queue.shift(); request; request = queue.shift()) {
    try {
      const handler = handlers[request.type] as (r: WorkerRequest) => Promise<Calls[CallType]['result']>;
      post({ type: 'done', id: request.id, result: await handler(request) });
    } catch (e) {
      post({ type: 'failed', id: request.id, message: e instanceof Error ? e.message : String(e) });
    }
  }
  draining = false;
}
