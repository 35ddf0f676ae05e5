import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../formats/modelSpec';
import { Flow, type FlowForward, type Pause } from './flow';
import { GaussianMixture } from './gaussianMixture';
import type { WeightStore } from './weightStore';

const LOG_2PI = Math.log(2 * Math.PI);

export interface ClassifierTensors {
  zFc: tf.Tensor;
  zConv: tf.Tensor;
  logDet: tf.Tensor;
  logits: tf.Tensor;
  posterior: tf.Tensor;
}

/** Everything one forward pass says about a batch, as plain arrays (row-major, batch first). */
export interface ClassifierResult {
  batch: number;
  classes: number;
  zFc: Float32Array;
  zConv: Float32Array;
  logDet: Float32Array;
  /** −‖z − μ_y‖² / 2 [B·K]. */
  logits: Float32Array;
  /** p(y|x) [B·K]. */
  posterior: Float32Array;
  /** log p(x|y) in nats, w.r.t. the normalized input [B·K]. */
  logLikelihood: Float64Array;
  /** log p(x) in nats, uniform class prior [B]. */
  logEvidence: Float64Array;
  /** The reference's nll_joint: (−logsumexp_y(logits) − log|det J|) / D, no constants [B]. */
  nllJoint: Float64Array;
  /** Bits per dimension of the 8-bit image: see bitsPerDimDefinition. */
  bitsPerDim: Float64Array;
}

export const BITS_PER_DIM_DEFINITION =
  'bits/dim = (−log p(x) + H·W·Σ_c log std_c + D·log 256) / (D·ln 2): the negative log-likelihood of the ' +
  "8-bit image with u = pixel/256 dequantized and normalized by the model's mean and std, D = C·H·W. " +
  "It includes the DCT pooling's log-determinant as the reference reports it, N²·C·log(rebalance), which is not the " +
  'true determinant of that layer, so values are comparable with the reference code, not with other flows.';

/**
 * A forward pass gave NaN or ±Infinity. Names the first layer whose output is not finite (null
 * when the input itself is not finite, or the head when the flow's output was still finite).
 */
export class NonFiniteOutputError extends Error {
  constructor(
    readonly layerIndex: number | null,
    readonly layerName: string,
    message: string,
  ) {
    super(message);
    this.name = 'NonFiniteOutputError';
  }
}

/** The first index holding NaN or ±Infinity, or −1. */
function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** An invertible network followed by a Gaussian mixture: exact p(y|x), p(x|y) and x = f⁻¹(z). */
export class GenerativeClassifier {
  readonly dims: number;

  private constructor(
    readonly spec: ModelSpec,
    readonly flow: Flow,
    readonly mixture: GaussianMixture,
  ) {
    this.dims = spec.input.channels * spec.input.height * spec.input.width;
  }

  static build(spec: ModelSpec, weights: WeightStore): GenerativeClassifier {
    const flow = Flow.fromSpec(spec.layers, weights);
    try {
      return new GenerativeClassifier(spec, flow, new GaussianMixture(spec.head, weights));
    } catch (e) {
      flow.dispose();
      throw e;
    }
  }

  /** x: normalized NHWC input. The caller disposes the returned tensors. */
  forwardTensors(x: tf.Tensor): ClassifierTensors {
    return this.head(this.flow.forward(x));
  }

  /** The mixture's view of the flow's output; takes over z and logDet. */
  private head({ z, logDet }: FlowForward): ClassifierTensors {
    const [zFc, zConv] = tf.split(z, [this.spec.latent.fcDims, this.spec.latent.convDims], 1);
    z.dispose();
    const { logits, posterior } = this.mixture.evaluate(zFc, zConv);
    return { zFc, zConv, logDet, logits, posterior };
  }

  /** With `pause`, the flow awaits it between layers (Flow.forwardPausing). */
  async classify(x: tf.Tensor, pause?: Pause): Promise<ClassifierResult> {
    const t = pause ? this.head(await this.flow.forwardPausing(x, pause)) : this.forwardTensors(x);
    try {
      const [zFc, zConv, logDet, logits, posterior] = (await Promise.all(
        [t.zFc, t.zConv, t.logDet, t.logits, t.posterior].map((v) => v.data()),
      )) as Float32Array[];
      // A cheap scan of what was read anyway; only a failure pays for the layer-by-layer rerun.
      if ([zFc, zConv, logDet, logits, posterior].some((v) => firstNonFinite(v) >= 0)) throw await this.nonFiniteError(x);
      return { batch: x.shape[0], classes: this.mixture.classes, zFc, zConv, logDet, logits, posterior, ...this.densities(logits, logDet) };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  /** Reruns the flow keeping every layer's output, to name where NaN or Infinity first appears. */
  private async nonFiniteError(x: tf.Tensor): Promise<NonFiniteOutputError> {
    const at = firstNonFinite(await x.data());
    if (at >= 0) return new NonFiniteOutputError(null, 'input', `the model's input holds NaN or Infinity (element ${at})`);
    const { z, logDet, intermediates = [] } = this.flow.forward(x, true);
    try {
      for (const [i, step] of intermediates.entries()) {
        const [y, stepLogDet] = await Promise.all([step.y.data(), step.logDet.data()]);
        const outputAt = firstNonFinite(y);
        const [values, bad, what] = outputAt >= 0 ? [y, outputAt, 'output'] : [stepLogDet, firstNonFinite(stepLogDet), 'log-determinant'];
        if (bad >= 0) {
          const value = values[bad];
          return new NonFiniteOutputError(
            i,
            step.name,
            `layers[${i}] (${step.name}, ${step.type}) produced NaN/Infinity from a finite input (its ${what} holds ${value} at element ${bad})`,
          );
        }
      }
    } finally {
      tf.dispose([z, logDet, ...intermediates.flatMap((s) => [s.y, s.logDet])]);
    }
    return new NonFiniteOutputError(this.spec.layers.length, 'head', 'the Gaussian mixture head produced NaN/Infinity from a finite latent code');
  }

  /** Densities in float64 from the logits and log-determinants. */
  densities(logits: Float32Array, logDet: Float32Array) {
    const k = this.mixture.classes;
    const d = this.dims;
    const b = logDet.length;
    const logLikelihood = new Float64Array(b * k);
    const logEvidence = new Float64Array(b);
    const nllJoint = new Float64Array(b);
    const bitsPerDim = new Float64Array(b);
    for (let i = 0; i < b; i++) {
      const row = logits.subarray(i * k, (i + 1) * k);
      const lse = logSumExp(row);
      for (let y = 0; y < k; y++) logLikelihood[i * k + y] = row[y] - (d / 2) * LOG_2PI + logDet[i];
      logEvidence[i] = lse - Math.log(k) - (d / 2) * LOG_2PI + logDet[i];
      nllJoint[i] = (-lse - logDet[i]) / d;
      bitsPerDim[i] = this.bitsPerDim(-logEvidence[i]);
    }
    return { logLikelihood, logEvidence, nllJoint, bitsPerDim };
  }

  /** −log p(x) (nats, normalized input) as bits per dimension of the 8-bit image: see BITS_PER_DIM_DEFINITION. */
  bitsPerDim(nll: number): number {
    const logStdSum = this.spec.preprocessing.std.reduce((s, v) => s + Math.log(v), 0);
    const pixelsPerChannel = this.spec.input.height * this.spec.input.width;
    return (nll + pixelsPerChannel * logStdSum + this.dims * Math.log(256)) / (this.dims * Math.LN2);
  }

  /** x = f⁻¹([z_fc, z_conv]) as NHWC. */
  decode(zFc: tf.Tensor, zConv: tf.Tensor): tf.Tensor {
    const z = tf.concat([zFc, zConv], 1);
    try {
      return this.flow.inverse(z);
    } finally {
      z.dispose();
    }
  }

  /** decode, awaiting `pause` between layers (Flow.inversePausing). */
  async decodePausing(zFc: tf.Tensor, zConv: tf.Tensor, pause: Pause): Promise<tf.Tensor> {
    const z = tf.concat([zFc, zConv], 1);
    try {
      return await this.flow.inversePausing(z, pause);
    } finally {
      z.dispose();
    }
  }

  dispose(): void {
    this.flow.dispose();
    this.mixture.dispose();
  }
}

export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}
