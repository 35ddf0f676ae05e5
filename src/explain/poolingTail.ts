import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../flow/classifier';
import { Flow, type Pause } from '../flow/flow';
import { dctMatrix, inverseDctMatrix } from '../flow/layers/dctPool';

type Model = Pick<GenerativeClassifier, 'spec' | 'flow'>;

/**
 * The flow cut where it turns linear: `head` maps x to the last feature grid F [N, N, C]
 * (NHWC), the tail L = permutations ∘ DCT pooling maps F to z. The tail's three linear maps
 * (L, L⁻¹, Lᵀ) run here in float64 on flat arrays, F indexed (h·N + w)·C + c, z as the model
 * flattens it.
 */
export class PoolingTail {
  /** N: the grid is N×N. */
  readonly size: number;
  readonly channels: number;
  /** D = N²·C, the latent dimension. */
  readonly dims: number;
  private readonly dct: Float64Array;
  private readonly dctT: Float64Array;
  private readonly inverseDct: Float64Array;

  private constructor(
    private readonly head: Flow,
    private readonly tail: Flow,
    spec: { size: number; channels: number; rebalance: number },
    private readonly scale: number,
    /** z[i] = DCT(F)[permutation[i]]: every layer after the pooling, composed. */
    private readonly permutation: Int32Array,
  ) {
    const n = spec.size;
    this.size = n;
    this.channels = spec.channels;
    this.dims = n * n * spec.channels;
    this.dct = dctMatrix(n);
    this.inverseDct = inverseDctMatrix(n);
    this.dctT = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) this.dctT[i * n + k] = this.dct[k * n + i];
  }

  /** Cached per model: finding the permutation costs one pass of an index vector through the tail. */
  static of(model: Model): Promise<PoolingTail> {
    let tail = cache.get(model.flow);
    if (!tail) {
      tail = PoolingTail.build(model);
      cache.set(model.flow, tail);
      tail.catch(() => cache.delete(model.flow));
    }
    return tail;
  }

  private static async build(model: Model): Promise<PoolingTail> {
    const layers = model.flow.layers;
    const at = model.spec.layers.findIndex((l) => l.type === 'dct_pool');
    const spec = model.spec.layers[at];
    if (spec?.type !== 'dct_pool' || layers[at]?.type !== 'dct_pool') throw new Error('this model has no DCT pooling to explain through');
    const after = layers.slice(at + 1);
    const odd = after.find((l) => l.type !== 'permute_prefix');
    if (odd) throw new Error(`layer ${odd.name} (${odd.type}) after the DCT pooling is not a permutation`);
    const dims = spec.size * spec.size * spec.channels;
    // Indices below 2^24 are exact in float32, so the layers' output is their permutation.
    const index = tf.tensor2d(
      Float32Array.from({ length: dims }, (_, i) => i),
      [1, dims],
    );
    const moved = new Flow(after).forwardLatent(index);
    const permutation = Int32Array.from((await moved.data()) as Float32Array);
    tf.dispose([index, moved]);
    const seen = new Uint8Array(dims);
    for (const i of permutation) {
      if (!(i >= 0 && i < dims) || seen[i]) throw new Error('the layers after the DCT pooling do not permute the latent vector');
      seen[i] = 1;
    }
    // DctPooling's scale: rebalance / (2 (N + 1)).
    const scale = spec.rebalance / (2 * (spec.size + 1));
    return new PoolingTail(new Flow(layers.slice(0, at)), new Flow(layers.slice(at)), spec, scale, permutation);
  }

  /** The last feature grid of a normalized NHWC batch: [B, N, N, C], awaiting `pause` between layers. The caller disposes it. */
  async features(x: tf.Tensor, pause: Pause): Promise<tf.Tensor> {
    const { z, logDet } = await this.head.forwardPausing(x, pause);
    logDet.dispose();
    return z;
  }

  /** z = L(F) as the model computes it (float32): [B, D]. The caller disposes it. */
  latent(features: tf.Tensor): tf.Tensor {
    return this.tail.forwardLatent(features);
  }

  /** z = L(F). */
  toLatent(features: ArrayLike<number>): Float64Array {
    const coefficients = this.separable(features, this.dct, this.dct, this.scale);
    const z = new Float64Array(this.dims);
    for (let i = 0; i < this.dims; i++) z[i] = coefficients[this.permutation[i]];
    return z;
  }

  /** F = L⁻¹(z). */
  toFeatures(z: ArrayLike<number>): Float64Array {
    return this.separable(this.unpermute(z), this.inverseDct, this.inverseDct, 1 / this.scale);
  }

  /** Lᵀv: the feature-space vector u with u · F = v · L(F) for every F. */
  adjointToFeatures(v: ArrayLike<number>): Float64Array {
    return this.separable(this.unpermute(v), this.dctT, this.dctT, this.scale);
  }

  /** The inverse (= transpose) of the permutation. */
  private unpermute(z: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.dims);
    for (let i = 0; i < this.dims; i++) out[this.permutation[i]] = z[i];
    return out;
  }

  /**
   * out[(j·N + i)·C + c] = scale · Σ_{p,q} rows[i][p] · cols[j][q] · x[(p·N + q)·C + c]: a 2-D
   * transform of every channel whose output swaps the two grid axes, which is what turns (h, w)
   * into the pooling's (k_w, k_h) order and back.
   */
  private separable(x: ArrayLike<number>, rows: Float64Array, cols: Float64Array, scale: number): Float64Array {
    const { size: n, channels: c } = this;
    const partial = new Float64Array(this.dims);
    for (let p = 0; p < n; p++)
      for (let j = 0; j < n; j++) {
        const to = (p * n + j) * c;
        for (let q = 0; q < n; q++) {
          const w = cols[j * n + q];
          const from = (p * n + q) * c;
          for (let ch = 0; ch < c; ch++) partial[to + ch] += w * x[from + ch];
        }
      }
    const out = new Float64Array(this.dims);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const to = (j * n + i) * c;
        for (let p = 0; p < n; p++) {
          const w = scale * rows[i * n + p];
          const from = (p * n + j) * c;
          for (let ch = 0; ch < c; ch++) out[to + ch] += w * partial[from + ch];
        }
      }
    return out;
  }
}

const cache = new WeakMap<object, Promise<PoolingTail>>();
