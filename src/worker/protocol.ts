/** The typed message protocol between the page and the inference worker. */
import type { BackendChoice, BackendName } from '../flow/backend';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';

/** What to classify: an image file (decoded and preprocessed in the worker) or an already normalised NHWC batch. */
export type ClassifyInput =
  | { kind: 'file'; file: Blob; name: string }
  | { kind: 'tensor'; data: Float32Array; batch: number };

/** The exact model input of the first image, de-normalised to RGBA for display. */
export interface ModelInputImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export interface Classification {
  result: ClassifierResult;
  input: ModelInputImage;
  /** The backend that computed it, as TensorFlow.js reports it. */
  backend: string;
}

/** Each call: what the page sends and what the worker answers. */
export interface Calls {
  /** Chooses the compute backend (once per worker); backends defaults to webgpu → webgl → wasm → cpu. */
  init: { args: { backends?: BackendName[]; wasmPaths: string }; result: BackendChoice };
  /** Loads the package at modelUrl (absolute) and makes it the active model; the previous one stays on failure. */
  load: { args: { modelUrl: string }; result: ModelSpec };
  classify: { args: { input: ClassifyInput }; result: Classification };
  /** x = f⁻¹([z_fc, z_conv]) as normalised NHWC. */
  decode: { args: { zFc: Float32Array; zConv: Float32Array; batch: number }; result: Float32Array };
}

export type CallType = keyof Calls;

export type WorkerRequest<K extends CallType = CallType> = { [T in K]: { type: T; id: number } & Calls[T]['args'] }[K];

export type WorkerResponse =
  | { type: 'done'; id: number; result: Calls[CallType]['result'] }
  | { type: 'progress'; id: number; loadedBytes: number; totalBytes: number }
  /** A newer request of the same type arrived before this one started. */
  | { type: 'superseded'; id: number }
  | { type: 'failed'; id: number; message: string };
