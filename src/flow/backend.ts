import * as tf from '@tensorflow/tfjs';

import { BACKEND_ORDER, type BackendChoice, type BackendName } from './backendChoice';

export { BACKEND_ORDER, type BackendChoice, type BackendName };

/** Options for where the wasm backend finds its .wasm files (the app serves them itself). */
export interface BackendOptions {
  wasmPaths?: string;
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
  throw new Error(`no compute backend works here: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}

/** Activates one backend; returns the reason it cannot be used, or what emulates it. */
async function tryBackend(name: BackendName, options: BackendOptions, onlyChoice: boolean): Promise<string | { emulatedBy?: string }> {
  let emulatedBy: string | undefined;
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
    }
    if (!(await tf.setBackend(name))) return 'failed to initialize';
    await tf.ready();
    if (name === 'webgl') {
      if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return 'cannot render float32 textures';
      emulatedBy = softwareRenderer(webglRenderer());
      if (!onlyChoice && emulatedBy) return `software-emulated WebGL (${emulatedBy}), slower than wasm`;
    }
    return emulatedBy ? { emulatedBy } : {};
  } catch (e) {
    return (e as Error).message || String(e);
  }
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
