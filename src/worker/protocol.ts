/** The typed message protocol between the page and the inference worker. */

import type { AttackReport, AttackSettings } from '../explain/attack';
import type { BatchAttackImage } from '../explain/attackBatch';
import type { ImageChange } from '../explain/imageChange';
import type { MapMethod, MapObjective } from '../explain/mapMethods';
import type { ImageFacts } from '../explain/sampling';
import type { SliderId } from '../explain/sliderId';
import type { ImageOutcome } from '../explain/trustOutcomes';
import type { BackendChoice, BackendName } from '../flow/backendChoice';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';

/** Where a model package is read from: over HTTP (absolute URL of its folder) or from browser storage. */
export type ModelSource = { modelUrl: string } | { storedId: string };

/** 8-bit pixels, row-major (h, w, c): exactly what a link carries. */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

/** What to classify: an image file, 8-bit pixels, or an already normalized NHWC batch (tests). */
export type ImageInput = { kind: 'file'; file: Blob; name: string } | ({ kind: 'pixels' } & Pixels) | { kind: 'tensor'; data: Float32Array; batch: number };

/** One image as RGBA for display. */
export interface ModelInputImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** Something done to an image on the way in; src/state/resultWords.ts says it in words. */
export type InputNote =
  | { kind: 'animated'; name: string; frames: number }
  /** Downscaled by the browser's decoder from width × height. */
  | { kind: 'downscaled'; name: string; width: number; height: number; toWidth: number; toHeight: number }
  /** Transparent pixels are shown to the model on white. */
  | { kind: 'transparent' }
  /** A gray image for a color model: the same gray in all three channels. */
  | { kind: 'gray-for-color' }
  /** A color image for a grayscale model: it sees the luma. */
  | { kind: 'color-for-gray' };

export interface Reconstruction {
  /** x̂ = f⁻¹(f(x)). */
  image: ModelInputImage;
  /** max over channels of |x − x̂| per pixel, on the [0, 1] pixel scale: [h·w + w]. */
  error: Float32Array;
  maxError: number;
}

export interface Classification {
  result: ClassifierResult;
  input: ModelInputImage;
  /** The 8-bit model input that was classified (null for a tensor input). */
  pixels: Pixels | null;
  /** What was done to the image on the way in (frames, size, transparency, color). */
  notes: InputNote[];
  /** The backend that computed it, as TensorFlow.js reports it. */
  backend: string;
  /** Worker-side times: from the request to the answer (decoding included), and of the forward pass alone. */
  timing: { totalMs: number; forwardMs: number };
}

export interface MapRequest {
  method: MapMethod;
  objective: MapObjective;
  target: number;
  /** A class, or the mean over classes. */
  contrast: number | 'mean';
  steps: number;
  patch: number;
  stride: number;
  fill: number;
}

/** What a map explains, with a = the request's target and b its contrast (a class or the mean logit). */
export type MapQuantity =
  /** logit_a − logit_b (the latent decomposition). */
  | { kind: 'logit-difference'; value: number }
  /** Cells: the change of log p(x | a) when a `patch`-pixel patch is filled there; value: log p(x | a). */
  | { kind: 'occlusion'; value: number; patch: number }
  /** log p(x | a) − log p(baseline | a). */
  | { kind: 'likelihood-from-baseline'; value: number }
  /** (logit_a − logit_b)(x) − (logit_a − logit_b)(baseline). */
  | { kind: 'logit-difference-from-baseline'; value: number };

export interface LikelihoodMap {
  request: MapRequest;
  /** The map's grid (coarser than the image for the latent decomposition): values[row·width + col]. */
  width: number;
  height: number;
  values: Float64Array;
  /** The quantity the map explains (its classes are the request's) and its value. */
  explains: MapQuantity;
  /** The sum check: the map's total against what it should equal (null for occlusion). */
  check: { rule: 'cell-sum' | 'completeness'; total: number; expected: number; relativeError: number } | null;
  elapsedMs: number;
}

export interface SeparatingDimensionInfo {
  index: number;
  z: number;
  meanA: number;
  meanB: number;
  contribution: number;
}

/** What the latent editor's sliders are built from, for classes a → b. */
export interface LatentGuide {
  a: number;
  b: number;
  separating: SeparatingDimensionInfo[];
  /** Standard deviation of the class means along each principal direction. */
  principalStd: number[];
  principalShare: number[];
  /** Where z sits along each principal direction. */
  principalCoordinates: number[];
  residual: { norm: number; rms: number; subspaceDims: number; distanceFromCenter: number };
  /** The "toward b" amount at which p(b|x′) overtakes p(a|x′) (null when a = b). */
  crossing: number | null;
}

export interface SliderValue {
  direction: SliderId;
  amount: number;
}

export interface Counterfactual {
  image: ModelInputImage;
  posterior: Float32Array;
  logits: Float32Array;
  /** True when no slider moves z: the original image and result are returned bit for bit. */
  original: boolean;
  /** x′ − x in pixel units. */
  change: ImageChange;
  /** Worker-side time of the whole edit, and of its inverse pass f⁻¹(z′) with the posterior read back. */
  timing: { totalMs: number; inverseMs: number };
}

export interface ImageStrip {
  images: ModelInputImage[];
  /** What the classifier says about each decoded image. */
  facts: ImageFacts[];
}

export interface SampleStrip extends ImageStrip {
  /** Samples asked for; fewer come back when too few candidates were typical. */
  requested: number;
  /** Candidates decoded to find them (= requested when every sample is kept). */
  draws: number;
  /** The class mean μ_y decoded (T = 0): the density's mode for that class. */
  mode: ImageFacts;
  /** The T used: the one asked for, or with `typical` the one whose samples are typical of the data. */
  temperature: number;
  /** `typical` in bits/dim, as the samples' −log p(x) is shown (null without `typical`). */
  typicalBits: [number, number] | null;
}

export interface Interpolation extends ImageStrip {
  /** The second image's 8-bit model input, so a link can carry it (null for a tensor input). */
  second: Pixels | null;
}

/** A projected-gradient attack on the current image, with what the page shows of it. */
export interface AttackOutcome {
  report: AttackReport;
  /** The 8-bit rounded perturbed image: the one shown and the one whose verdict is headlined. */
  image: ModelInputImage;
  /** 128 + scale·δ of the rounded image: mid-gray where nothing changed. */
  perturbation: ModelInputImage;
  /** One pixel unit of δ is shown as this many levels. */
  perturbationScale: number;
  /** The rounded image as 8-bit pixels, so that it can be explored like any input. */
  pixels: Pixels;
  elapsedMs: number;
}

/** A trust-report image attacked, or skipped with the reason. */
export type BatchAttackResult = ({ ok: true } & BatchAttackImage) | { ok: false; error: string };

export interface SideBySide {
  spec: ModelSpec;
  classification: Omit<Classification, 'pixels' | 'timing'>;
}

/** One image of a trust report, as the page holds it. */
export interface TrustImage {
  name: string;
  file: Blob;
}

/** A trust-report image classified, or skipped with the reason. */
export type TrustImageResult = ({ ok: true } & ImageOutcome) | { ok: false; error: string };

/** Each call: what the page sends and what the worker answers. */
export interface Calls {
  /** Chooses the compute backend (once per worker); backends defaults to webgpu → webgl → wasm → cpu; wasmThreads overrides tfjs's thread count. */
  init: { args: { backends?: BackendName[]; wasmPaths: string; wasmThreads?: number }; result: BackendChoice };
  /** Loads a package, runs one forward and inverse pass on zeros to compile shaders, and makes it the active model; the previous one stays on failure. */
  load: { args: ModelSource; result: ModelSpec };
  /** Classifies an image and makes it the current image of the explanations below. */
  classify: { args: { input: ImageInput }; result: Classification };
  /** x̂ = f⁻¹(f(x)) of the current image, asked for after its posteriors are shown. */
  reconstruct: { args: object; result: Reconstruction };
  map: { args: { request: MapRequest }; result: LikelihoodMap };
  latentGuide: { args: { a: number; b: number; dims: number; principal: number }; result: LatentGuide };
  /** x′ = f⁻¹(z + edits) of the current image; `from` is the class that "toward" sliders leave. */
  edit: { args: { from: number; sliders: SliderValue[] }; result: Counterfactual };
  /** Samples of a class; with `typical`, at the temperature typical of the data (`temperature` is then ignored), keeping only those whose −log p(x) (nats) lies in [low, high]. */
  sample: { args: { classIndex: number; count: number; seed: number; temperature: number; typical: [number, number] | null }; result: SampleStrip };
  /** From the current image to `other` in z. */
  interpolate: { args: { other: ImageInput; steps: number }; result: Interpolation };
  /** The current image's pixels under a second model, kept loaded beside the active one. */
  compare: { args: { model: ModelSource; input: ImageInput }; result: SideBySide };
  /** x = f⁻¹([z_fc, z_conv]) as normalized NHWC. */
  decode: { args: { zFc: Float32Array; zConv: Float32Array; batch: number }; result: Float32Array };
  /** One batch of a trust report, decoded and preprocessed as a single image, then classified together; it leaves the current image alone. */
  trustBatch: { args: { images: TrustImage[] }; result: TrustImageResult[] };
  /** PGD on the current image (its 8-bit pixels); searchAttacks more attacks bracket the smallest flipping ε. */
  attack: { args: { settings: AttackSettings; searchAttacks: number }; result: AttackOutcome };
  /** One batch of the trust report's attack: each image preprocessed as in trustBatch, then attacked from its 8-bit input; it leaves the current image alone. */
  attackBatch: { args: { images: TrustImage[]; settings: AttackSettings }; result: BatchAttackResult[] };
  /** Debugging: TensorFlow.js's live tensor count, which must stay flat over repeated interactions. */
  memory: { args: object; result: { numTensors: number; numBytes: number } };
  /** Stops the running long request of this type (its caller gets 'superseded'); answered at once. */
  cancel: { args: { kind: 'map' | 'sample' | 'interpolate' | 'attack' | 'attackBatch' }; result: boolean };
}

export type CallType = keyof Calls;

export type WorkerRequest<K extends CallType = CallType> = { [T in K]: { type: T; id: number } & Calls[T]['args'] }[K];

export type WorkerResponse =
  | { type: 'done'; id: number; result: Calls[CallType]['result'] }
  /** Bytes of a model load, or passes of a long explanation, done so far and in all. */
  | { type: 'progress'; id: number; done: number; total: number }
  /** A newer request of the same type arrived before this one started, or canceled it (long requests) while it ran. */
  | { type: 'superseded'; id: number }
  | { type: 'failed'; id: number; message: string };
