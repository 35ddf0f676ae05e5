/** model.json: a generative classifier described as data. Version 1. */
import type { LayerSpec } from '../flow/layers';

export type { LayerSpec };

export const MODEL_FORMAT = 'gc-lens-model';
export const MODEL_FORMAT_VERSION = 1;

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16'; original_dtype: 'float32' };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface Preprocessing {
  /** Resize so that the shorter side has this length (null: resize straight to the input size). */
  resizeShorter: number | null;
  /** Center crop to the input size after resizing. */
  centerCrop: boolean;
  mean: number[];
  std: number[];
}

export interface ModelCardMetric {
  name: string;
  value: number;
  unit?: string;
  definition?: string;
  source: string;
}

export interface ModelSpec {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  id: string;
  name: string;
  description?: string;
  input: { channels: number; height: number; width: number };
  preprocessing: Preprocessing;
  classes: string[];
  layers: LayerSpec[];
  /** z = f(x) is split into z_fc = z[:fc] and z_conv = z[fc:]. */
  latent: { fcDims: number; convDims: number };
  head: { type: 'gaussian_mixture'; muFc: string; muT: string; muM: string };
  provenance: { source: string; sha256?: string; converter: string; convertedAt?: string; notes?: string[] };
  card: { reported: ModelCardMetric[]; measured: ModelCardMetric[]; [key: string]: unknown };
  weightsManifest: WeightsManifestGroup[];
}

/** One entry of public/models/index.json. */
export interface ModelIndexEntry {
  id: string;
  name: string;
  path: string;
  description?: string;
  bytes: number;
}
