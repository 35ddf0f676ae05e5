import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BackendChoice } from '../flow/backend';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelIndexEntry, ModelSpec } from '../formats/modelSpec';
import { SupersededError, type InferenceCalls } from '../worker/client';
import type { ModelInputImage } from '../worker/protocol';
import { TFJS_WASM_DIR } from '../worker/wasmAssets';

export interface LoadedModel {
  entry: ModelIndexEntry;
  spec: ModelSpec;
}

export interface LoadingModel {
  entry: ModelIndexEntry;
  loadedBytes: number;
  totalBytes: number;
}

export interface ChosenInput {
  name: string;
  file: Blob;
  /** An object URL of file, revoked when the input is replaced. */
  previewUrl: string;
}

export interface AppState {
  models: ModelIndexEntry[];
  backend: BackendChoice | null;
  model: LoadedModel | null;
  loading: LoadingModel | null;
  input: ChosenInput | null;
  /** The exact model input of `input`, for `model`. */
  modelInput: ModelInputImage | null;
  result: ClassifierResult | null;
  classifying: boolean;
  /** Shown inline; the rest of the state stays as it was. */
  error: string | null;
  start(): Promise<void>;
  selectModel(id: string): Promise<void>;
  chooseInput(file: Blob, name: string): Promise<void>;
  dismissError(): void;
}

export type AppStore = StoreApi<AppState>;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The app's state and the actions that drive the inference worker.
 * baseUrl: the app's absolute base URL (models/index.json and the wasm binaries sit below it).
 */
export function createAppStore(client: InferenceCalls, baseUrl: string): AppStore {
  // Only the latest load and the latest input may update what is shown.
  let loadToken = 0;
  let inputToken = 0;
  const url = (path: string) => new URL(path, baseUrl).href;

  return createStore<AppState>()((set, get) => {
    async function classify(file: Blob, name: string): Promise<void> {
      const token = ++inputToken;
      set({ classifying: true });
      try {
        const { result, input } = await client.call('classify', { input: { kind: 'file', file, name } });
        if (token !== inputToken) return;
        const previous = get().input;
        const previewUrl = previous?.file === file ? previous.previewUrl : URL.createObjectURL(file);
        if (previous && previous.previewUrl !== previewUrl) URL.revokeObjectURL(previous.previewUrl);
        set({ input: { name, file, previewUrl }, modelInput: input, result, classifying: false, error: null });
      } catch (e) {
        if (e instanceof SupersededError || token !== inputToken) return;
        set({ classifying: false, error: messageOf(e) });
      }
    }

    return {
      models: [],
      backend: null,
      model: null,
      loading: null,
      input: null,
      modelInput: null,
      result: null,
      classifying: false,
      error: null,

      async start() {
        try {
          const [models, backend] = await Promise.all([
            fetchModelIndex(url('models/index.json')),
            client.call('init', { wasmPaths: url(`${TFJS_WASM_DIR}/`) }),
          ]);
          set({ models, backend });
          await get().selectModel(models[0].id);
        } catch (e) {
          set({ error: messageOf(e) });
        }
      },

      async selectModel(id) {
        const entry = get().models.find((m) => m.id === id);
        if (!entry) {
          set({ error: `there is no model "${id}"` });
          return;
        }
        const token = ++loadToken;
        const inputTokenAtLoad = inputToken;
        set({ loading: { entry, loadedBytes: 0, totalBytes: entry.bytes }, error: null });
        try {
          const spec = await client.call('load', { modelUrl: url(`${entry.path}/`) }, (loadedBytes, totalBytes) => {
            if (token === loadToken) set({ loading: { entry, loadedBytes, totalBytes } });
          });
          // The worker answers in request order: the last load to succeed is its active model,
          // and inputs chosen after this load was sent already ran on it.
          set({ model: { entry, spec }, result: null, modelInput: null });
          if (token !== loadToken) return;
          set({ loading: null });
          const input = get().input;
          if (input && inputToken === inputTokenAtLoad) await classify(input.file, input.name);
        } catch (e) {
          if (e instanceof SupersededError || token !== loadToken) return;
          set({ loading: null, error: `${entry.name} could not be loaded: ${messageOf(e)}` });
        }
      },

      chooseInput: classify,

      dismissError() {
        set({ error: null });
      },
    };
  });
}

async function fetchModelIndex(indexUrl: string): Promise<ModelIndexEntry[]> {
  const res = await fetch(indexUrl);
  if (!res.ok) throw new Error(`cannot load the model list ${indexUrl}: HTTP ${res.status}`);
  const { models } = (await res.json()) as { models?: ModelIndexEntry[] };
  if (!Array.isArray(models) || models.length === 0) throw new Error(`${indexUrl} lists no models`);
  return models;
}
