import * as tf from '@tensorflow/tfjs';
import { fusedKernelsActive, runFused } from './webgpu/fused';
import { mixtureLogits, mixtureProjection, mixtureRelativeLogits } from './webgpu/programs';
import type { WeightStore } from './weightStore';

export interface MixtureOutputs {
  /** −d_y / 2, with d_y the squared distance of z to class mean y: [B, K]. */
  logits: tf.Tensor;
  /** p(y|x) [B, K], computed without the class-independent ‖z‖² so it keeps full precision. */
  posterior: tf.Tensor;
}

/**
 * Class-conditional unit Gaussians with means mu_fc [K, F] on z_fc and the low-rank
 * mu_conv = mu_t · mu_m on z_conv. mu_conv itself is never formed:
 * ‖z − mu_t[y] mu_m‖² = ‖z‖² − 2 mu_t[y] · (mu_m z) + mu_t[y]ᵀ G mu_t[y], G = mu_m mu_mᵀ.
 */
export class GaussianMixture {
  readonly classes: number;
  private readonly muFc: tf.Tensor;
  private readonly muT: tf.Tensor;
  private readonly muM: tf.Tensor;
  /** G = mu_m mu_mᵀ [R, R]: kept, for the means' norms and their Gram matrix. */
  private readonly muMGram: tf.Tensor;
  /** ‖mu_fc[y]‖² + ‖mu_conv[y]‖² per class [K]. */
  private readonly meanSqNorm: tf.Tensor;

  constructor(names: { muFc: string; muT: string; muM: string }, weights: WeightStore) {
    this.muFc = weights.tensor2d(names.muFc);
    this.muT = weights.tensor2d(names.muT);
    this.muM = weights.tensor2d(names.muM);
    this.classes = this.muFc.shape[0];
    this.muMGram = tf.matMul(this.muM, this.muM, false, true);
    this.meanSqNorm = tf.tidy(() => {
      const conv = tf.sum(tf.mul(tf.matMul(this.muT, this.muMGram), this.muT), 1);
      return tf.add(tf.sum(tf.square(this.muFc), 1), conv);
    });
  }

  /** z·mu_y − ‖mu_y‖²/2 for every class: the logits less the class-independent −‖z‖²/2. */
  private relativeLogits(zFc: tf.Tensor, zConv: tf.Tensor): tf.Tensor {
    const fc = tf.matMul(zFc, this.muFc, false, true);
    const conv = tf.matMul(tf.matMul(zConv, this.muM, false, true), this.muT, false, true);
    return tf.sub(tf.add(fc, conv), tf.mul(0.5, this.meanSqNorm));
  }

  evaluate(zFc: tf.Tensor, zConv: tf.Tensor): MixtureOutputs {
    return tf.tidy(() => {
      if (fusedKernelsActive()) return { ...this.fusedEvaluate(zFc, zConv) };
      const relative = this.relativeLogits(zFc, zConv);
      const zSq = tf.add(tf.sum(tf.square(zFc), 1, true), tf.sum(tf.square(zConv), 1, true));
      return { logits: tf.sub(relative, tf.mul(0.5, zSq)), posterior: tf.softmax(relative) };
    });
  }

  /** The same on WebGPU: the projections and ‖z‖² in one dispatch, the relative logits in one, the logits in one, then softmax. */
  private fusedEvaluate(zFc: tf.Tensor, zConv: tf.Tensor): MixtureOutputs {
    const [batch, fcDims] = zFc.shape as [number, number];
    const convDims = zConv.shape[1] as number;
    const rank = this.muM.shape[0];
    const projection = runFused(mixtureProjection(batch, fcDims, convDims, rank), [zConv, this.muM, zFc]);
    const relative = runFused(mixtureRelativeLogits(batch, fcDims, rank, this.classes), [zFc, this.muFc, projection, this.muT, this.meanSqNorm]);
    return { logits: runFused(mixtureLogits(batch, rank, this.classes), [relative, projection]), posterior: tf.softmax(relative) };
  }

  /** The class means as one flat latent vector each, for the given classes only: [n, F + R]. */
  means(classIndices: number[]): tf.Tensor {
    return tf.tidy(() => {
      const idx = tf.tensor1d(classIndices, 'int32');
      return tf.concat([tf.gather(this.muFc, idx), tf.matMul(tf.gather(this.muT, idx), this.muM)], 1);
    });
  }

  /** Σ_k weights[r, k] · μ_k for each row r of weights [n, K]: [n, F + R], through the low-rank factors. */
  combine(weights: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.concat([tf.matMul(weights, this.muFc), tf.matMul(tf.matMul(weights, this.muT), this.muM)], 1));
  }

  /** Rows from..to of the K×K Gram matrix of the class means, μ_fc μ_fcᵀ + μ_t G μ_tᵀ: [to − from, K]. */
  gramRows(from: number, to: number): tf.Tensor {
    return tf.tidy(() => {
      const fc = tf.slice(this.muFc, [from, 0], [to - from, -1]);
      const t = tf.slice(this.muT, [from, 0], [to - from, -1]);
      return tf.add(tf.matMul(fc, this.muFc, false, true), tf.matMul(tf.matMul(t, this.muMGram), this.muT, false, true));
    });
  }

  dispose(): void {
    tf.dispose([this.muFc, this.muT, this.muM, this.muMGram, this.meanSqNorm]);
  }
}
