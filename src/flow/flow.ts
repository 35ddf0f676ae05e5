import * as tf from '@tensorflow/tfjs';
import type { InvertibleLayer } from './layer';
import { type LayerSpec, layerDefinition } from './layers';
import type { WeightStore } from './weightStore';

export interface FlowForward {
  /** The flat latent code [B, D]. */
  z: tf.Tensor;
  /** log|det J| per sample [B]. */
  logDet: tf.Tensor;
  /** Each layer's output and log-determinant, when asked for; the caller disposes them. */
  intermediates?: { name: string; type: string; y: tf.Tensor; logDet: tf.Tensor }[];
}

/** The invertible network: a list of layers run in order (forward) or in reverse (inverse). */
export class Flow {
  constructor(readonly layers: InvertibleLayer[]) {}

  /** Builds each layer from its validated spec through the layer registry. */
  static fromSpec(specs: LayerSpec[], weights: WeightStore): Flow {
    const layers: InvertibleLayer[] = [];
    try {
      for (const spec of specs) layers.push(layerDefinition(spec.type)!.build(spec, weights));
    } catch (e) {
      for (const l of layers) l.dispose();
      throw e;
    }
    return new Flow(layers);
  }
  /** x: NHWC [B, H, W, C]. */
  forward(x: tf.Tensor, keepIntermediates = false): FlowForward {
    return runToEnd(this.forwardSteps(x, keepIntermediates));
  }

  /**
   * The forward pass, awaiting `pause` between layers: a worker reads its messages there, and a pause that throws
   * (a cancel) stops the pass within one layer, its tensors freed.
   */
  forwardPausing(x: tf.Tensor, pause: Pause): Promise<FlowForward> {
    return runPausing(this.forwardSteps(x, false), pause);
  }

  /** The output alone, its log-determinants freed. */
  forwardLatent(x: tf.Tensor): tf.Tensor {
    const { z, logDet } = this.forward(x);
    logDet.dispose();
    return z;
  }

  /** z: flat [B, D]; returns NHWC x. */
  inverse(z: tf.Tensor): tf.Tensor {
    return runToEnd(this.inverseSteps(z));
  }

  /** The inverse pass, awaiting `pause` between layers as forwardPausing does. */
  inversePausing(z: tf.Tensor, pause: Pause): Promise<tf.Tensor> {
    return runPausing(this.inverseSteps(z), pause);
  }

  /** One layer per step; stopped early, it frees what it made. */
  private *forwardSteps(x: tf.Tensor, keepIntermediates: boolean): Generator<void, FlowForward> {
    const intermediates: NonNullable<FlowForward['intermediates']> = [];
    let h: tf.Tensor = x;
    let logDet = tf.zeros([x.shape[0]]);
    let finished = false;
    try {
      for (const layer of this.layers) {
        if (h !== x) yield;
        const out = layer.forward(h);
        const total = tf.add(logDet, out.logDet);
        logDet.dispose();
        logDet = total;
        if (h !== x && !keepIntermediates) h.dispose();
        if (keepIntermediates) intermediates.push({ name: layer.name, type: layer.type, y: out.y, logDet: out.logDet });
        else out.logDet.dispose();
        h = out.y;
      }
      finished = true;
      // The caller owns what is returned, so never the input itself (a flow of no layers).
      const z = keepIntermediates || h === x ? tf.clone(h) : h;
      return { z, logDet, intermediates: keepIntermediates ? intermediates : undefined };
    } finally {
      if (!finished) {
        if (h !== x && !keepIntermediates) h.dispose();
        tf.dispose([logDet, ...intermediates.flatMap((s) => [s.y, s.logDet])]);
      }
    }
  }

  private *inverseSteps(z: tf.Tensor): Generator<void, tf.Tensor> {
    let h: tf.Tensor = z;
    let finished = false;
    try {
      for (let i = this.layers.length - 1; i >= 0; i--) {
        if (h !== z) yield;
        const next = this.layers[i].inverse(h);
        if (h !== z) h.dispose();
        h = next;
      }
      finished = true;
      return h === z ? tf.clone(z) : h;
    } finally {
      if (!finished && h !== z) h.dispose();
    }
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

/** Awaited between layers; throws to stop the pass. */
export type Pause = () => Promise<void>;

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

async function runPausing<T>(steps: Generator<void, T>, pause: Pause): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    try {
      await pause();
    } catch (e) {
      steps.return(undefined as T);
      throw e;
    }
  }
}
