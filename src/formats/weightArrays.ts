/** One decoded weight: plain typed data, row-major, no tensor yet. */
export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** The decoded weights of a model package by name, as plain arrays: readers never make tensors. */
export class WeightArrays {
  constructor(private readonly arrays: ReadonlyMap<string, NamedArray>) {}

  get(name: string): NamedArray {
    const a = this.arrays.get(name);
    if (!a) throw new Error(`weight "${name}" is missing from the model package`);
    return a;
  }

  float32(name: string): Float32Array {
    const { data } = this.get(name);
    if (!(data instanceof Float32Array)) throw new Error(`weight "${name}" must be float32`);
    return data;
  }

  int32(name: string): Int32Array {
    const { data } = this.get(name);
    if (!(data instanceof Int32Array)) throw new Error(`weight "${name}" must be int32`);
    return data;
  }
}
