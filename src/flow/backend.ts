import * as tf from '@tensorflow/tfjs';

import { BACKEND_ORDER, type BackendChoice, type BackendName } from './backendChoice';

export { BACKEND_ORDER, type BackendChoice, type BackendName };

/** Options for where the wasm backend finds its .wasm files (the app serves them itself). */
export interface BackendOptions {
  wasmPaths?: string;
  /**
   * Threads of the wasm backend. It runs threaded only where SharedArrayBuffer works (the page is cross-origin
   * isolated); tfjs then uses half of navigator.hardwareConcurrency (at most 8), and caps any count it is given
   * there too: a count asked for here is granted up to 8. 1 loads the single-threaded binary, as does leaving it
   * unset where half the logical cores is 1.
   */
  wasmThreads?: number;
}

/**
 * Tries the backends in order and activates the first that works in float32.
 * WebGPU is probed with requestAdapter() first: tfjs crashes when no adapter exists.
 */
export async function chooseBackend(order: BackendName[] = BACKEND_ORDER, options: BackendOptions = {}): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    const result = await tryBackend(name, options, order.length === 1);
    if (typeof result === 'string') skipped.push({ name, reason: result });
    else return { name, skipped, ...result };
  }
  if (skipped.length === 1) throw new Error(`the ${skipped[0].name} backend could not be started: ${skipped[0].reason}`);
  throw new Error(`no compute backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * tf.setBackend, failing with the backend's own error: tfjs only answers false (and logs why outside prod mode).
 * The registered factory is wrapped while it runs, to keep its error.
 */
async function startBackend(name: BackendName): Promise<void> {
  const entry = tf.engine().registryFactory[name];
  if (!entry) throw new Error('it is not registered');
  const { factory } = entry;
  let failure: unknown;
  const keep = (e: unknown): never => {
    failure = e;
    throw e;
  };
  entry.factory = () => {
    try {
      const backend = factory();
      return backend instanceof Promise ? backend.catch(keep) : backend;
    } catch (e) {
      return keep(e);
    }
  };
  try {
    if (!(await tf.setBackend(name))) throw failure ?? new Error('TensorFlow.js could not start it');
  } finally {
    entry.factory = factory;
  }
}

/** Activates one backend; returns the reason it cannot be used, or what emulates it. */
async function tryBackend(name: BackendName, options: BackendOptions, onlyChoice: boolean): Promise<string | { emulatedBy?: string; threads?: number }> {
  let emulatedBy: string | undefined;
  let restoreCores = () => {};
  try {
    if (name === 'webgpu') {
      const gpu = (globalThis.navigator as (Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterInfoLike | null> } }) | undefined)?.gpu;
      if (!gpu) return 'navigator.gpu is not available';
      const adapter = await gpu.requestAdapter();
      if (!adapter) return 'no WebGPU adapter';
      // A CPU-emulated GPU (SwiftShader) is slower than wasm: use it only when asked for by name.
      emulatedBy = softwareAdapter(adapter);
      if (!onlyChoice && emulatedBy) return `only a software WebGPU adapter (${emulatedBy}), slower than wasm`;
      await import('@tensorflow/tfjs-backend-webgpu');
    } else if (name === 'webgl') {
      if (!('document' in globalThis) && typeof OffscreenCanvas === 'undefined') return 'no canvas in this environment';
      // Half-float textures would break exactness.
      tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths);
      const asked = options.wasmThreads;
      // Where tfjs would use one thread anyway (fewer than 4 logical cores), the single-threaded binary starts
      // faster: no pool of 8 idle thread workers to start.
      const threads = asked !== undefined && Number.isInteger(asked) && asked >= 1 ? asked : logicalCores() < 4 ? 1 : undefined;
      if (threads !== undefined) {
        // One thread: the plain SIMD binary, without the threaded build's worker pool.
        if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        else {
          wasm.setThreadsCount(threads);
          restoreCores = reportLogicalCores(2 * threads);
        }
      }
    }
    await startBackend(name);
    restoreCores();
    await tf.ready();
    if (name === 'webgl') {
      if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return 'cannot render float32 textures';
      emulatedBy = softwareRenderer(webglRenderer());
      if (!onlyChoice && emulatedBy) return `software-emulated WebGL (${emulatedBy}), slower than wasm`;
    }
    if (name === 'wasm') return { threads: (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() };
    return emulatedBy ? { emulatedBy } : {};
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    restoreCores();
  }
}

/**
 * tfjs-backend-wasm caps its thread pool at half of navigator.hardwareConcurrency, read once as its module starts
 * (it assumes two hardware threads per core). To grant an explicit thread count on a machine without SMT, the
 * module is shown at least `cores` logical cores while it starts; returns the function that undoes it.
 */
const logicalCores = () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;

function reportLogicalCores(cores: number): () => void {
  const nav = (globalThis as { navigator?: { hardwareConcurrency: number } }).navigator;
  if (!nav || nav.hardwareConcurrency >= cores) return () => {};
  Object.defineProperty(nav, 'hardwareConcurrency', { value: cores, configurable: true });
  return () => {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

interface GpuAdapterInfoLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string };
}

/** CPU rasterizers that pose as GPUs; on them wasm is faster. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i;

/** The software adapter's name, or undefined for a real GPU. */
function softwareAdapter(adapter: GpuAdapterInfoLike): string | undefined {
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  if (adapter.isFallbackAdapter === true) return description || 'fallback adapter';
  return softwareRenderer(description);
}

function softwareRenderer(renderer: string | undefined): string | undefined {
  return renderer && SOFTWARE_RENDERER.test(renderer) ? renderer : undefined;
}

/** The unmasked renderer string of tfjs's WebGL context (SwiftShader, llvmpipe, a GPU's name), if the browser tells. */
function webglRenderer(): string | undefined {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : undefined;
}

export function activeBackend(): string {
  return tf.getBackend();
}
