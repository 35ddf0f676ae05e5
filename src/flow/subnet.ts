import * as tf from '@tensorflow/tfjs';
import type { SubnetOpSpec } from '../formats/modelSpec';
import type { WeightStore } from './weightStore';

/** A compiled subnet step: a (possibly fused) conv, or a per-channel affine with optional ReLU. */
type Step =
  | { kind: 'conv'; filter: tf.Tensor4D; bias?: tf.Tensor1D; stride: number; pad: number; relu: boolean }
  | { kind: 'affine'; scale: tf.Tensor1D; shift: tf.Tensor1D; relu: boolean }
  | { kind: 'relu' };

/** The residual function inside a coupling: convs (BatchNorm folded in), ReLUs and a leading affine. */
export class Subnet {
  private readonly steps: Step[];

  constructor(ops: SubnetOpSpec[], weights: WeightStore) {
    this.steps = compile(ops, weights);
  }

  apply(x: tf.Tensor): tf.Tensor {
    let h = x;
    for (const step of this.steps) h = runStep(step, h);
    return h;
  }

  dispose(): void {
    for (const s of this.steps) {
      if (s.kind === 'conv') tf.dispose([s.filter, s.bias ?? []].flat());
      if (s.kind === 'affine') tf.dispose([s.scale, s.shift]);
    }
  }
}

function compile(ops: SubnetOpSpec[], weights: WeightStore): Step[] {
  const steps: Step[] = [];
  for (const op of ops) {
    const last = steps[steps.length - 1];
    if (op.op === 'relu') {
      // Fuse a ReLU into the step before it: one kernel instead of two.
      if (last && last.kind !== 'relu' && !last.relu) last.relu = true;
      else steps.push({ kind: 'relu' });
    } else if (op.op === 'conv') {
      steps.push({
        kind: 'conv',
        filter: weights.tensor4d(op.weight),
        bias: op.bias ? weights.tensor1d(op.bias) : undefined,
        stride: op.stride,
        pad: op.padding,
        relu: false,
      });
    } else {
      steps.push({ kind: 'affine', scale: weights.tensor1d(op.scale), shift: weights.tensor1d(op.shift), relu: false });
    }
  }
  return steps;
}

let fuseConvolutions = true;

/**
 * Runs fn with unfused convolutions. tfjs's fused conv computes the filter gradient eagerly, even
 * when only the input gradient is wanted; the wasm backend has no kernel for it. Unfused convs
 * differentiate lazily, so gradients of the flow w.r.t. its input work on every backend.
 */
export function withUnfusedConvolutions<T>(fn: () => T): T {
  const previous = fuseConvolutions;
  fuseConvolutions = false;
  try {
    return fn();
  } finally {
    fuseConvolutions = previous;
  }
}

function runStep(step: Step, x: tf.Tensor): tf.Tensor {
  if (step.kind === 'relu') return tf.relu(x);
  if (step.kind === 'affine') {
    const y = tf.add(tf.mul(x, step.scale), step.shift);
    return step.relu ? tf.relu(y) : y;
  }
  if (!fuseConvolutions) {
    const conv = tf.conv2d(x as tf.Tensor4D, step.filter, step.stride, step.pad);
    const y = step.bias ? tf.add(conv, step.bias) : conv;
    return step.relu ? tf.relu(y) : y;
  }
  return tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: step.filter,
    strides: step.stride,
    pad: step.pad,
    bias: step.bias,
    activation: step.relu ? 'relu' : 'linear',
  });
}
