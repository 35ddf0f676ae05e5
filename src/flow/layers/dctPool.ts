import * as tf from '@tensorflow/tfjs';
import { ArchitectureError } from '../../formats/architectureError';
import { int, type JsonObject, num, str } from '../../formats/jsonFields';
import { atMost, MODEL_LIMITS } from '../../formats/modelLimits';
import type { InvertibleLayer } from '../layer';
import { type CheckpointNode, imageInput, type LayerDefinition, LayerShapeError, nodeTensor } from './definition';

export interface DctPoolSpec {
  type: 'dct_pool';
  name: string;
  channels: number;
  size: number;
  rebalance: number;
}

/** The authors' DCT pooling of the last N×N map into a flat vector; in the state dict: weight, inv_weight [N, N]. */
export const dctPoolLayer: LayerDefinition<DctPoolSpec> = {
  type: 'dct_pool',
  parse(raw: JsonObject, path: string): DctPoolSpec {
    const size = int(raw, 'size', path, 1);
    atMost(`${path}.size`, size, MODEL_LIMITS.dctSize, 'the DCT matrix has size⁴ entries');
    return {
      type: 'dct_pool',
      name: str(raw, 'name', path),
      channels: int(raw, 'channels', path, 1),
      size,
      rebalance: num(raw, 'rebalance', path, Number.MIN_VALUE),
    };
  },
  outputShape(spec, input) {
    const [h, w, c] = imageInput(spec, input);
    if (h !== spec.size || w !== spec.size) throw new LayerShapeError('size', `is ${spec.size} but the input is ${h}x${w}`);
    return [h * w * c];
  },
  checkWeights() {},
  build: (spec) => new DctPooling(spec),
  checkpoint: {
    matches: (node) => node.tensors.has('weight') && node.tensors.has('inv_weight'),
    async convert(node, [, , c], { constants }) {
      const n = node.tensors.get('weight')!.shape[0];
      await checkDctWeight(node, n);
      return { type: 'dct_pool', name: node.name, channels: c, size: n, rebalance: constants.dctRebalance };
    },
  },
};

/** The stored DCT matrix must be the unnormalized DCT-II the runtime computes. */
async function checkDctWeight(node: CheckpointNode, n: number): Promise<void> {
  const stored = await nodeTensor(node, 'weight', [n, n]).readFloat32();
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) {
      // weight[k][i] = 2 cos(π k (2i+1) / 2N), applied as out[k] = Σ_i weight[k][i] x[i].
      const expected = 2 * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
      if (Math.abs(stored[k * n + i] - expected) > 1e-4) throw new ArchitectureError(`${node.name}.weight is not the DCT-II matrix this runtime implements`);
    }
}

/** Unnormalized DCT-II: M[k][n] = 2 cos(π k (2n+1) / 2N). */
export function dctMatrix(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) m[k * n + i] = 2 * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
  return m;
}

/** Exact inverse of dctMatrix: x[n] = (X[0]/2 + Σ_{k≥1} X[k] cos(π k (2n+1) / 2N)) / N. */
export function inverseDctMatrix(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) m[i * n + k] = (k === 0 ? 0.5 : Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n))) / n;
  return m;
}

/** (A ⊗ A) · factor, indexed [(a, b), (c, d)] = A[a][c] · A[b][d] · factor. */
function kronSquare(a: Float64Array, n: number, factor: number): Float32Array {
  const out = new Float32Array(n ** 4);
  for (let p = 0; p < n; p++)
    for (let q = 0; q < n; q++)
      for (let r = 0; r < n; r++) for (let s = 0; s < n; s++) out[(p * n + q) * n * n + r * n + s] = a[p * n + r] * a[q * n + s] * factor;
  return out;
}

/**
 * DCT pooling: a 2-D DCT-II of each channel of the last N×N map, scaled by rebalance / (2(N+1)),
 * flattened as (k_w, k_h, c) so the first C values are the DC terms. Runs as one N²×N² matrix
 * product. The log-determinant is the reference's N²·C·log(rebalance), not the true one.
 */
export class DctPooling implements InvertibleLayer {
  readonly type = 'dct_pool';
  readonly name: string;
  private readonly size: number;
  private readonly channels: number;
  private readonly reportedLogDet: number;
  private readonly forwardMatrix: tf.Tensor;
  private readonly inverseMatrix: tf.Tensor;

  constructor(spec: DctPoolSpec) {
    const n = spec.size;
    this.name = spec.name;
    this.size = n;
    this.channels = spec.channels;
    this.reportedLogDet = n * n * spec.channels * Math.log(spec.rebalance);
    const factor = spec.rebalance / (2 * (n + 1));
    this.forwardMatrix = tf.tensor2d(kronSquare(dctMatrix(n), n, factor), [n * n, n * n]);
    this.inverseMatrix = tf.tensor2d(kronSquare(inverseDctMatrix(n), n, 1 / factor), [n * n, n * n]);
  }

  forward(x: tf.Tensor): { y: tf.Tensor; logDet: tf.Tensor } {
    return tf.tidy(() => {
      const [b] = x.shape;
      const { size: n, channels: c } = this;
      // [B, H, W, C] → [(W, H), (B, C)]: rows in (w, h) order give the (k_w, k_h) output order.
      const cols = tf.reshape(tf.transpose(x, [2, 1, 0, 3]), [n * n, b * c]);
      const coeffs = tf.matMul(this.forwardMatrix, cols);
      const y = tf.reshape(tf.transpose(tf.reshape(coeffs, [n * n, b, c]), [1, 0, 2]), [b, n * n * c]);
      return { y, logDet: tf.fill([b], this.reportedLogDet) };
    });
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [b] = y.shape;
      const { size: n, channels: c } = this;
      const coeffs = tf.reshape(tf.transpose(tf.reshape(y, [b, n * n, c]), [1, 0, 2]), [n * n, b * c]);
      const cols = tf.matMul(this.inverseMatrix, coeffs);
      return tf.transpose(tf.reshape(cols, [n, n, b, c]), [2, 1, 0, 3]);
    });
  }

  dispose(): void {
    tf.dispose([this.forwardMatrix, this.inverseMatrix]);
  }
}
