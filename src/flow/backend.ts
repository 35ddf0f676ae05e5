import * as tf from '@tensorflow/tfjs';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  /** Why each backend before it was passed over. */
  skipped: { name: BackendName; reason: string }[];
}

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
    const reason = await tryBackend(name, options, order.length === 1);
    if (reason === null) return { name, skipped };
    skipped.push({ name, reason });
  }
  throw new Error(`no compute backend works here: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}

/** Activates one backend; returns null on success or the reason it cannot be used. */
async function tryBackend(name: BackendName, options: BackendOptions, onlyChoice: boolean): Promise<string | null> {
  try {
    if (name === 'webgpu') {
      const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterInfoLike | null> } } | undefined)?.gpu;
      if (!gpu) return 'navigator.gpu is not available';
      const adapter = await gpu.requestAdapter();
      if (!adapter) return 'no WebGPU adapter';
      // A CPU-emulated GPU (SwiftShader) is slower than wasm: use it only when asked for by name.
      if (!onlyChoice && isSoftwareAdapter(adapter)) return 'only a software WebGPU adapter (slower than wasm)';
      await import('@tensorflow/tfjs-backend-webgpu');
    } else if (name === 'webgl') {
      if (!('document' in globalThis) && typeof OffscreenCanvas === 'undefined') return 'no canvas in this environment';
      // Half-float textures would break exactness.
      tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths);
    }
    if (!(await tf.setBackend(name))) return 'failed to initialise';
    await tf.ready();
    if (name === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return 'cannot render float32 textures';
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

interface GpuAdapterInfoLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string };
}

function isSoftwareAdapter(adapter: GpuAdapterInfoLike): boolean {
  const info = adapter.info ?? {};
  return adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

export function activeBackend(): string {
  return tf.getBackend();
}
