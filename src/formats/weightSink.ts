import type { WeightSpec } from './modelSpec';

/** Where a converter puts weights as it produces them, so no second full copy is held. */
export interface WeightSink {
  add(name: string, data: Float32Array | Int32Array, shape: number[]): Promise<void>;
}

export type StorageDtype = 'float32' | 'float16';

/** Collects weights in memory (tests, small models). */
export class MemoryWeightSink implements WeightSink {
  readonly arrays = new Map<string, { data: Float32Array | Int32Array; shape: number[] }>();

  async add(name: string, data: Float32Array | Int32Array, shape: number[]): Promise<void> {
    if (this.arrays.has(name)) throw new Error(`weight "${name}" added twice`);
    this.arrays.set(name, { data, shape });
  }
}

/** The manifest entry for a weight stored in the given dtype. */
export function weightSpecFor(name: string, data: Float32Array | Int32Array, shape: number[], storage: StorageDtype): WeightSpec {
  if (data instanceof Int32Array) return { name, shape, dtype: 'int32' };
  return storage === 'float16'
    ? { name, shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } }
    : { name, shape, dtype: 'float32' };
}
