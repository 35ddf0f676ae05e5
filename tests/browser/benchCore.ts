/** The bench itself: times the mini model and the full-size architecture (synthetic weights) on one forced backend, in the page or in a worker. */
import * as tf from '@tensorflow/tfjs';
import { type BackendName, chooseBackend } from '../../src/flow/backend';
import type { GenerativeClassifier } from '../../src/flow/classifier';
import { loadClassifier } from '../../src/flow/loadClassifier';
import { httpPackageFiles } from '../../src/formats/modelPackage';
import { TFJS_WASM_DIR } from '../../src/worker/wasmAssets';
import { benchmarkClassifier, firstRunTimes, type PassTimes } from '../../tools/lib/benchmark';
import { classifierFromCheckpoint } from '../../tools/lib/memoryModel';
import { type CheckpointLayout, syntheticCheckpoint } from '../../tools/lib/syntheticCheckpoint';
import { FIXTURE_ROUTE } from './fixtureRoute';

export type BenchModel = 'mini' | 'full';

export interface BenchDevice {
  /** tf.getBackend() once chooseBackend returned. */
  backend: string;
  /** What did the arithmetic: the WebGPU adapter, the WebGL renderer, or wasm's SIMD and threads. */
  device: string;
  userAgent: string;
  hardwareConcurrency: number;
  /** Without it the wasm backend cannot use threads. */
  crossOriginIsolated: boolean;
  /** wasm: the threads it computes with. */
  threads?: number;
}

/** The cold start of a model: one pass each, read back, so shader compilation and weight upload are included. */
export interface ColdStart {
  /** Fetching or synthesising the weights and building the classifier. */
  loadMs: number;
  firstRun: { forward: number; inverse: number; posterior: number };
}

export interface WarmTimes extends PassTimes {
  /** tf.getBackend() after timing. */
  ranOn: string;
}

export interface Bench {
  /** wasmThreads: as the app's ?wasmThreads (1 = the single-threaded binary); unset, tfjs's default. */
  init(backend: BackendName, wasmThreads?: number): Promise<BenchDevice>;
  /** Loads the model and times its first passes; it stays loaded for time(). */
  load(model: BenchModel): Promise<ColdStart>;
  /** Medians via benchmarkClassifier; then disposes the model. */
  time(reps: number): Promise<WarmTimes>;
}

/** adapter.info, which Chromium has and the @webgpu/types that tfjs pulls in (0.1.38) predate. */
type AdapterWithInfo = GPUAdapter & { info?: { vendor: string; architecture: string; description: string } };

async function describeDevice(backend: BackendName): Promise<string> {
  if (backend === 'webgpu') {
    // The options tfjs-backend-webgpu asks with, so this is the adapter it got.
    const adapter: AdapterWithInfo | null = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    const info = adapter?.info;
    if (!info) return 'WebGPU adapter without info';
    const fallback = adapter.isFallbackAdapter ? ', fallback adapter' : '';
    return `WebGPU adapter: vendor ${info.vendor}, architecture ${info.architecture}, description ${info.description || '-'}${fallback}`;
  }
  if (backend === 'webgl') {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'no WebGL2 context';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return `WebGL renderer: ${gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)}`;
  }
  if (backend === 'wasm') {
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return `wasm on the CPU: ${simd ? 'SIMD' : 'no SIMD'}, ${getThreadsCount()} thread(s)`;
  }
  return backend;
}

async function loadModel(model: BenchModel): Promise<GenerativeClassifier> {
  if (model === 'mini') return loadClassifier(httpPackageFiles(new URL('/models/reference-mini/', location.origin).href));
  const res = await fetch(`${FIXTURE_ROUTE}imagenet_layout.json`);
  if (!res.ok) throw new Error(`imagenet_layout.json: HTTP ${res.status}`);
  return classifierFromCheckpoint(syntheticCheckpoint((await res.json()) as CheckpointLayout), 'imagenet-synthetic');
}

let loaded: GenerativeClassifier | undefined;

export const bench: Bench = {
  async init(backend, wasmThreads) {
    const choice = await chooseBackend([backend], { wasmPaths: new URL(`/${TFJS_WASM_DIR}/`, location.origin).href, wasmThreads });
    // As the app's inference worker runs.
    tf.enableProdMode();
    return {
      backend: tf.getBackend(),
      device: await describeDevice(backend),
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      threads: choice.threads,
    };
  },

  async load(name) {
    loaded?.dispose();
    const t0 = performance.now();
    loaded = await loadModel(name);
    const loadMs = performance.now() - t0;
    return { loadMs, firstRun: await firstRunTimes(loaded) };
  },

  async time(reps) {
    if (!loaded) throw new Error('no model is loaded');
    try {
      return { ...(await benchmarkClassifier(loaded, reps, true)), ranOn: tf.getBackend() };
    } finally {
      loaded.dispose();
      loaded = undefined;
    }
  },
};
