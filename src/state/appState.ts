/** The shape of the app's state; the actions live in appStore.ts and its helpers. */

import type { SliderId } from '../explain/sliderId';
import type { BackendChoice } from '../flow/backendChoice';
import type { ConversionProgress } from '../formats/convertToPackage';
import type { ModelIndexEntry, ModelSpec } from '../formats/modelSpec';
import type { StoredModel } from '../storage/packageStore';
import type {
  AttackOutcome,
  Classification,
  Counterfactual,
  ImageInput,
  Interpolation,
  LatentGuide,
  LikelihoodMap,
  Reconstruction,
  SampleStrip,
  SideBySide,
  SliderValue,
} from '../worker/protocol';
import type { Dropped } from './dropActions';
import type { AttackView, CheckpointRef, PermalinkState } from './permalink';

export type { AttackView } from './permalink';

export interface ModelChoice extends ModelIndexEntry {
  /** Bundled with the app (models/index.json) or converted into this browser's storage. */
  origin: 'bundled' | 'stored';
  /** A stored model's source checkpoint, when its hash is known: links name the model by it. */
  source?: CheckpointRef;
}

export interface LoadedModel {
  entry: ModelChoice;
  spec: ModelSpec;
}

export interface LoadingModel {
  entry: ModelChoice;
  loadedBytes: number;
  totalBytes: number;
}

export interface GalleryImage {
  id: string;
  title: string;
  /** Below the gallery folder. */
  file: string;
  /** Model ids it was made for, or "any". */
  models: string[];
  credit: string;
}

export interface ChosenInput {
  name: string;
  source: Exclude<ImageInput, { kind: 'tensor' }>;
  /** Set when it came from the gallery: links then carry only the id. */
  galleryId: string | null;
}

/** The view settings that travel in links (the model and the images travel separately), with typed slider ids. */
export type ViewSettings = Omit<PermalinkState, 'model' | 'checkpoint' | 'image' | 'interpolateTo' | 'sliders' | 'compare' | 'attack'> & {
  sliders: SliderValue[];
};

export type Task<T> =
  | { status: 'idle' }
  /** steps: passes done and in all, once the worker reports them (long maps). */
  | { status: 'running'; previous: T | null; steps?: { done: number; total: number } }
  | { status: 'done'; value: T }
  | { status: 'failed'; message: string; previous: T | null };

export interface ConversionState {
  fileName: string;
  progress: ConversionProgress | null;
}

export interface AppState {
  models: ModelChoice[];
  gallery: GalleryImage[];
  backend: BackendChoice | null;
  /** Why no compute backend could be started (each backend tried, with its reason); no model loads then. */
  backendFailure: string | null;
  model: LoadedModel | null;
  loading: LoadingModel | null;
  input: ChosenInput | null;
  classification: Classification | null;
  /** x̂ = f⁻¹(f(x)) of the classified image: asked for once its posteriors are shown. */
  reconstruction: Reconstruction | null;
  classifying: boolean;
  view: ViewSettings;
  map: Task<LikelihoodMap>;
  guide: LatentGuide | null;
  counterfactual: Counterfactual | null;
  samples: Task<SampleStrip>;
  /** other: the second image, named, with its gallery id (links carry it). */
  interpolation: Task<Interpolation> & { other?: Pick<ChosenInput, 'name' | 'galleryId'> };
  comparison: { modelId: string | null; task: Task<SideBySide> };
  attackView: AttackView;
  attack: Task<AttackOutcome>;
  conversion: ConversionState | null;
  /** Shown inline; the rest of the state stays as it was. */
  error: string | null;
  /** What happened to a drop or paste that was not simply one image file (several files, a URL, text). */
  inputNotice: { ok: boolean; message: string } | null;
  /** The checkpoint the opening link needs and this browser has not converted; its view opens once it is added. */
  missingCheckpoint: CheckpointRef | null;
  /** What was wrong with the link the page was opened with. */
  linkNotices: string[];
  /** The outcome of the last "copy link". */
  linkStatus: { ok: boolean; message: string; href: string | null } | null;

  start(): Promise<void>;
  selectModel(id: string): Promise<void>;
  chooseInput(file: Blob, name: string): Promise<void>;
  chooseGallery(id: string): Promise<void>;
  /** A drop or paste: the first file (saying so when there were more), an image URL fetched with CORS, or a notice for text. */
  dropInput(dropped: Dropped): Promise<void>;
  dismissInputNotice(): void;
  setPanels(panels: ViewSettings['panels']): void;
  /** The trust report's counts and metrics, for the link (explanations are not recomputed). */
  setTrustSummary(summary: ViewSettings['trust']): void;
  setMap(change: Partial<ViewSettings['map']>): void;
  /** The map's explained class and contrast; the other panels keep theirs. */
  setMapClasses(change: Partial<Pick<ViewSettings, 'target' | 'contrast'>>): void;
  /** The latent editor's classes; the other panels keep theirs. */
  setLatentClasses(change: Partial<ViewSettings['latent']>): void;
  /** Stops the map being computed; the previous one (if any) stays. */
  cancelMap(): void;
  setSlider(direction: SliderId, amount: number): void;
  resetSliders(): void;
  setSampling(change: Partial<ViewSettings['sampling']>): void;
  interpolateWith(source: { file: Blob; name: string } | { galleryId: string }): Promise<void>;
  compareWith(modelId: string | null): Promise<void>;
  setAttackView(change: Partial<AttackView>): void;
  /** PGD on the current image with the attack view's settings. */
  runAttack(): Promise<void>;
  cancelAttack(): void;
  /** Makes the last attack's 8-bit image the current input, so every panel explains it. */
  exploreAttacked(): Promise<void>;
  copyPermalink(): Promise<void>;
  convertCheckpoint(file: File): Promise<void>;
  cancelConversion(): void;
  deleteStoredModel(id: string): Promise<void>;
  dismissError(): void;
  dismissLinkNotices(): void;
}

/** What the store needs from the browser; tests pass their own. */
export interface AppEnvironment {
  listStoredModels(): Promise<StoredModel[]>;
  deleteStoredModel(id: string): Promise<void>;
  convert(file: File, classNames: string[] | undefined, onProgress: (p: ConversionProgress) => void, signal: AbortSignal): Promise<StoredModel>;
  /** The URL fragment the page was opened with. */
  fragment: string;
  writeFragment(fragment: string): void;
  copyText(text: string): Promise<void>;
  /** The page's URL without its fragment. */
  pageUrl: string;
}
