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
    const intermediates: NonNullable<FlowForward['intermediates']> = [];
    let h: tf.Tensor = x;
    let logDet = tf.zeros([x.shape[0]]);
    for (const layer of this.layers) {
      const out = layer.forward(h);
      const total = tf.add(logDet, out.logDet);
      logDet.dispose();
      logDet = total;
      if (h !== x && !keepIntermediates) h.dispose();
      if (keepIntermediates) intermediates.push({ name: layer.name, type: layer.type, y: out.y, logDet: out.logDet });
      else out.logDet.dispose();
      h = out.y;
    }
    const z = keepIntermediates ? tf.clone(h) : h;
    return { z: z, logDet, intermediates: keepIntermediates ? intermediates : undefined };
  }

  /** z: flat [B, D]; returns NHWC x. */
  inverse(z: tf.Tensor): tf.Tensor {
    let h: tf.Tensor = z;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const next = this.layers[i].inverse(h);
      if (h !== z) h.dispose();
      h = next;
    }
    return h;
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
