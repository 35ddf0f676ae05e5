import * as tf from '@tensorflow/tfjs';
import type { WeightArrays } from '../formats/weightArrays';

/** A model's weights for the runtime: the package's plain arrays, made into tensors on demand. */
export class WeightStore {
  constructor(private readonly arrays: WeightArrays) {}

  float32(name: string): Float32Array {
    return this.arrays.float32(name);
  }

  int32(name: string): Int32Array {
    return this.arrays.int32(name);
  }

  tensor1d(name: string): tf.Tensor1D {
    return tf.tensor1d(this.float32(name));
  }

  tensor2d(name: string): tf.Tensor2D {
    return tf.tensor2d(this.float32(name), this.arrays.get(name).shape as [number, number]);
  }

  tensor4d(name: string): tf.Tensor4D {
    return tf.tensor4d(this.float32(name), this.arrays.get(name).shape as [number, number, number, number]);
  }
}
