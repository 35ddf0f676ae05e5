/** model.json: a generative classifier described as data. Version 1. */

export const MODEL_FORMAT = 'gc-lens-model';
export const MODEL_FORMAT_VERSION = 1;

export type SubnetOpSpec =
  | { op: 'conv'; weight: string; bias?: string; stride: number; padding: number }
  | { op: 'relu' }
  /** A BatchNorm with no conv before it, run as a per-channel affine. */
  | { op: 'affine'; scale: string; shift: string };

/** Act-norm then a fixed channel permutation, ending every coupling block. */
export interface ActNormSpec {
  scale: string;
  offset: string;
  /** int32 [C]: output channel i takes input channel permutation[i]. */
  permutation: string;
}

export type LayerSpec =
  | { type: 'coupling'; name: string; channels: number; clamp: number; subnet: SubnetOpSpec[]; actNorm: ActNormSpec }
  | {
      type: 'downsample_coupling';
      name: string;
      channels: number;
      clamp: number;
      subnetStrided: SubnetOpSpec[];
      subnetLowRes: SubnetOpSpec[];
      actNorm: ActNormSpec;
    }
  | { type: 'haar'; name: string; channels: number; rebalance: number }
  | { type: 'dct_pool'; name: string; channels: number; size: number; rebalance: number }
  /** Permutes the first indices.length features of a flat vector; the rest pass through. */
  | { type: 'permute_prefix'; name: string; indices: string };

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
  /** Centre crop to the input size after resizing. */
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
