/**
 * Fused WebGPU kernels for the flow's element-wise tails: one dispatch where the plain tfjs path
 * makes ten to twenty (split, tanh, exp, multiply, add, concat, act-norm, permutation gather).
 * Used only when the active backend is webgpu, fusion is enabled and no gradient tape records
 * (the programs have no gradients); everywhere else the layers run their plain tfjs ops, which
 * stay the reference (tests/webgpu-fused.test.ts compares the two).
 */
import * as tf from '@tensorflow/tfjs';
import type { FusedProgram } from './programs';

/** The part of tfjs-webgpu's WebGPUBackend used here (typed locally: the backend is loaded lazily). */
interface WebGPUBackendLike {
  runWebGPUProgram(program: FusedProgram, inputs: tf.TensorInfo[], outputDtype: 'float32'): tf.TensorInfo;
}

let enabled = true;

/** Turns the fused kernels on or off (off: the plain tfjs ops run on webgpu too); returns the previous setting. */
export function setFusedKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Runs fn with the fused kernels on or off, then restores the setting. */
export function withFusedKernels<T>(on: boolean, fn: () => T): T {
  const previous = setFusedKernels(on);
  try {
    return fn();
  } finally {
    setFusedKernels(previous);
  }
}

/** Whether layers should take their fused path now. */
export function fusedKernelsActive(): boolean {
  if (!enabled || tf.getBackend() !== 'webgpu') return false;
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return !engine.isTapeOn?.();
}

/** Runs one program on the webgpu backend; the result is a float32 tensor tracked by the enclosing tidy. */
export function runFused(program: FusedProgram, inputs: tf.Tensor[]): tf.Tensor {
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const info = backend.runWebGPUProgram(program, inputs, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
}
