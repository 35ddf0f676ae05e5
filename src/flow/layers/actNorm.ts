import * as tf from '@tensorflow/tfjs';
import { ArchitectureError } from '../../formats/architectureError';
import { type JsonObject, obj, weightName } from '../../formats/jsonFields';
import type { WeightSink } from '../../formats/weightSink';
import { permuteAxis } from '../permute';
import type { WeightStore } from '../weightStore';
import { type CheckpointNode, nodeTensor, type WeightCheck } from './definition';

/** Act-norm then a fixed channel permutation, ending every coupling block. */
export interface ActNormSpec {
  scale: string;
  offset: string;
  /** int32 [C]: output channel i takes input channel permutation[i]. */
  permutation: string;
}

export function parseActNorm(raw: JsonObject, path: string): ActNormSpec {
  const a = obj(raw, 'actNorm', path);
  const p = `${path}.actNorm`;
  return { scale: weightName(a, 'scale', p), offset: weightName(a, 'offset', p), permutation: weightName(a, 'permutation', p) };
}

export function checkActNorm(spec: ActNormSpec, path: string, c: number, need: WeightCheck): void {
  need(`${path}.actNorm.scale`, spec.scale, [c]);
  need(`${path}.actNorm.offset`, spec.offset, [c]);
  need(`${path}.actNorm.permutation`, spec.permutation, [c], 'int32');
}

/** Softplus with β = 0.5 and PyTorch's threshold 20, times 0.1: the act-norm scale. */
function actNormScale(p: number): number {
  return 0.1 * (0.5 * p > 20 ? p : 2 * Math.log1p(Math.exp(0.5 * p)));
}

export async function actNormFromCheckpoint(node: CheckpointNode, c: number, sink: WeightSink): Promise<ActNormSpec> {
  const raw = await nodeTensor(node, 'act_norm', [1, c, 1, 1]).readFloat32();
  const offset = await nodeTensor(node, 'act_offset', [1, c, 1, 1]).readFloat32();
  const w = await nodeTensor(node, 'w', [c, c, 1, 1]).readFloat32();
  const spec = { scale: `${node.name}.actnorm.scale`, offset: `${node.name}.actnorm.offset`, permutation: `${node.name}.permutation` };
  await sink.add(spec.scale, Float32Array.from(raw, actNormScale), [c]);
  await sink.add(spec.offset, offset, [c]);
  await sink.add(spec.permutation, permutationIndices(w, c, `${node.name}.w`), [c]);
  return spec;
}

/** Row i of a permutation matrix has its one 1 at column perm[i]; anything else is refused. */
export function permutationIndices(w: Float32Array, c: number, what: string): Int32Array {
  const perm = new Int32Array(c).fill(-1);
  const used = new Uint8Array(c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      const v = w[i * c + j];
      if (v === 0) continue;
      if (v !== 1 || perm[i] >= 0 || used[j])
        throw new ArchitectureError(`${what} is not a permutation matrix (row ${i}, column ${j} holds ${v}); soft permutations are not supported`);
      perm[i] = j;
      used[j] = 1;
    }
    if (perm[i] < 0) throw new ArchitectureError(`${what} is not a permutation matrix (row ${i} is all zeros)`);
  }
  return perm;
}

/** y = P(x · scale + offset): the act-norm and fixed channel permutation that end each coupling block. */
export class ActNormPermute {
  private readonly scale: tf.Tensor;
  private readonly offset: tf.Tensor;
  private readonly forwardIndex: tf.Tensor;
  private readonly inverseIndex: tf.Tensor;
  /** Σ_c log(scale_c + 1e-12), as the reference adds it; multiply by H·W per sample. */
  readonly logScaleSum: number;

  constructor(spec: ActNormSpec, weights: WeightStore) {
    const scale = weights.float32(spec.scale);
    this.logScaleSum = scale.reduce((sum, s) => sum + Math.log(s + 1e-12), 0);
    this.scale = tf.tensor1d(scale);
    this.offset = weights.tensor1d(spec.offset);
    const perm = weights.int32(spec.permutation);
    this.forwardIndex = tf.tensor1d(perm, 'int32');
    this.inverseIndex = tf.tensor1d(invertPermutation(perm, spec.permutation), 'int32');
  }

  /** The weights as tensors, for the fused WebGPU kernels (src/flow/webgpu) that apply them in their own shaders. */
  get parts(): { scale: tf.Tensor; offset: tf.Tensor; forwardIndex: tf.Tensor; inverseIndex: tf.Tensor } {
    return { scale: this.scale, offset: this.offset, forwardIndex: this.forwardIndex, inverseIndex: this.inverseIndex };
  }

  forward(x: tf.Tensor): tf.Tensor {
    return permuteAxis(tf.add(tf.mul(x, this.scale), this.offset), this.forwardIndex, this.inverseIndex, 3);
  }

  inverse(y: tf.Tensor): tf.Tensor {
    return tf.div(tf.sub(permuteAxis(y, this.inverseIndex, this.forwardIndex, 3), this.offset), this.scale);
  }

  /** The act-norm's log-determinant for a feature map of h × w pixels. */
  logDet(h: number, w: number): number {
    return h * w * this.logScaleSum;
  }

  dispose(): void {
    tf.dispose([this.scale, this.offset, this.forwardIndex, this.inverseIndex]);
  }
}

/** The inverse of a permutation; anything that is not one is refused, as it would silently break the inverse. */
export function invertPermutation(perm: Int32Array, what: string): Int32Array {
  const inv = new Int32Array(perm.length).fill(-1);
  perm.forEach((j, i) => {
    if (!(j >= 0 && j < perm.length) || inv[j] >= 0) throw new Error(`weight "${what}" is not a permutation: index ${j} at position ${i}`);
    inv[j] = i;
  });
  return inv;
}
