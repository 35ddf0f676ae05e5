import * as tf from '@tensorflow/tfjs';

export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** The decoded weights of a model package, by name; makes tensors on demand. */
export class WeightStore {
  constructor(private readonly arrays: Map<string, NamedArray>) {}

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

  tensor1d(name: string): tf.Tensor1D {
    return tf.tensor1d(this.float32(name));
  }

  tensor2d(name: string): tf.Tensor2D {
    const { shape } = this.get(name);
    return tf.tensor2d(this.float32(name), shape as [number, number]);
  }

  tensor4d(name: string): tf.Tensor4D {
    const { shape } = this.get(name);
    return tf.tensor4d(this.float32(name), shape as [number, number, number, number]);
  }

  indices(name: string): tf.Tensor1D {
    return tf.tensor1d(this.int32(name), 'int32');
  }
}
