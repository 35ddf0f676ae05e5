/**
 * WebGPU in Node through Dawn (the npm package `webgpu`), for benchmarks and the fused-kernel tests.
 * Where no Vulkan loader is installed (this CI image), Debian's Chromium ships one with SwiftShader's
 * Vulkan driver: the process must start with LD_LIBRARY_PATH naming it, so callers re-run themselves
 * (withDawnEnvironment) or spawn children with dawnEnvironment().
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/flow/backend';

const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;
const SYSTEM_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

/** The environment a Node process needs for Dawn here: the system's Vulkan loader, else Chromium's with SwiftShader. */
export function dawnEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.GC_LENS_DAWN_ENV === '1' || SYSTEM_LOADERS.some(existsSync) || !existsSync(SWIFTSHADER_ICD)) return { ...env, GC_LENS_DAWN_ENV: '1' };
  const libraryPath = [CHROMIUM_LIB, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { ...env, LD_LIBRARY_PATH: libraryPath, VK_ICD_FILENAMES: env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD, GC_LENS_DAWN_ENV: '1' };
}

/** Re-runs this process under dawnEnvironment() when it is not already; returns only in the process that has it. */
export function withDawnEnvironment(): void {
  if (process.env.GC_LENS_DAWN_ENV === '1') return;
  const env = dawnEnvironment();
  if (env.LD_LIBRARY_PATH === process.env.LD_LIBRARY_PATH) {
    process.env.GC_LENS_DAWN_ENV = '1';
    return;
  }
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string };
}

/** Installs Dawn's navigator.gpu and activates tfjs-backend-webgpu; returns the adapter's description. */
export async function activateDawnWebGPU(): Promise<string> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = (await gpu.requestAdapter()) as GpuAdapterLike | null;
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (is a Vulkan driver installed? see tools/gpu-bench.sh)');
  const choice = await chooseBackend(['webgpu']);
  if (choice.name !== 'webgpu') throw new Error(`webgpu did not activate: ${JSON.stringify(choice.skipped)}`);
  tf.enableProdMode();
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

interface ProgramLike {
  constructor: { name: string };
  shaderKey: string;
  dispatch: [number, number, number];
}

/** Counts the WebGPU dispatches tfjs-webgpu records, by program class. */
export class DispatchCounter {
  total = 0;
  readonly byProgram = new Map<string, number>();
  private readonly restore: () => void;

  constructor() {
    const backend = tf.backend() as unknown as { recordAndSubmit: (program: ProgramLike, ...rest: unknown[]) => void };
    if (tf.getBackend() !== 'webgpu' || typeof backend.recordAndSubmit !== 'function') throw new Error('DispatchCounter needs the webgpu backend');
    const original = backend.recordAndSubmit;
    backend.recordAndSubmit = (program: ProgramLike, ...rest: unknown[]) => {
      this.total++;
      // The fused programs are plain objects: name them by their shader key's prefix.
      const name = program.constructor.name === 'Object' ? program.shaderKey.split('_')[0] : program.constructor.name;
      this.byProgram.set(name, (this.byProgram.get(name) ?? 0) + 1);
      return original.call(backend, program, ...rest);
    };
    this.restore = () => {
      backend.recordAndSubmit = original;
    };
  }

  /** The dispatches fn makes (its result's read-back not included). */
  static count<T>(fn: () => T): { result: T; total: number; byProgram: Record<string, number> } {
    const counter = new DispatchCounter();
    try {
      const result = fn();
      return { result, total: counter.total, byProgram: Object.fromEntries([...counter.byProgram].sort((a, b) => b[1] - a[1])) };
    } finally {
      counter.restore();
    }
  }
}
