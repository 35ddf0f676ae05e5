import { createStore, type StoreApi } from 'zustand/vanilla';
import { sameSlider } from '../explain/sliderId';
import type { BackendName } from '../flow/backendChoice';
import type { ModelIndexEntry } from '../formats/modelSpec';
import { type InferenceCalls, SupersededError } from '../worker/client';
import { TFJS_WASM_DIR } from '../worker/wasmAssets';
import type { AppEnvironment, AppState, ChosenInput, GalleryImage, ModelChoice } from './appState';
import { createAttackActions } from './attackActions';
import { createConversionActions } from './conversionActions';
import { createDropActions } from './dropActions';
import { createExplainer } from './explainer';
import { createLinkActions, type OpeningLink } from './linkActions';
import { galleryFor, messageOf, modelSource, storedChoice } from './models';
import { defaultPermalinkState, type PermalinkImage } from './permalink';
import { workCounter } from './workCounter';

export type { AppState, ChosenInput, LoadedModel, LoadingModel, ModelChoice } from './appState';
export type AppStore = StoreApi<AppState>;

const NO_BROWSER: AppEnvironment = {
  listStoredModels: async () => [],
  deleteStoredModel: async () => {
    throw new Error('this page has no model storage');
  },
  convert: async () => {
    throw new Error('this page cannot convert checkpoints');
  },
  fragment: '',
  writeFragment: () => undefined,
  copyText: async () => {
    throw new Error('no clipboard here');
  },
  pageUrl: '',
};

/**
 * The app's state and the actions that drive the inference worker.
 * baseUrl: the app's absolute base URL (models, gallery and the wasm binaries sit below it).
 */
export function createAppStore(
  client: InferenceCalls,
  baseUrl: string,
  environment: Partial<AppEnvironment> & { backends?: BackendName[]; wasmThreads?: number } = {},
): AppStore {
  // The address bar is rewritten only while nothing runs: a link with a 224² photo costs its replaceState 3–33 ms
  // on an idle page (npm run bench:links), more beside a busy worker.
  const work = workCounter();
  const given = { ...NO_BROWSER, pageUrl: baseUrl, ...environment };
  const env: typeof given = { ...given, convert: (...args) => work.during(given.convert(...args)) };
  const calls: InferenceCalls = { call: (type, args, onProgress) => work.during(client.call(type, args, onProgress)) };
  // Only the latest load and the latest input may update what is shown.
  let loadToken = 0;
  let inputToken = 0;
  const url = (path: string) => new URL(path, baseUrl).href;

  return createStore<AppState>()((set, get) => {
    const explainer = createExplainer(calls, get, set, url);
    const links = createLinkActions(get, set, env, () => explainer.refreshAll(), work.idle);
    const { invalidate: invalidateAttack, ...attackActions } = createAttackActions(calls, get, set, () => links.scheduleFragment());

    /** Classifies an input; keepView keeps the sliders (a link's). */
    async function classify(input: ChosenInput, keepView = false): Promise<boolean> {
      const token = ++inputToken;
      set({ classifying: true });
      try {
        const classification = await calls.call('classify', { input: input.source });
        if (token !== inputToken) return false;
        explainer.invalidate();
        invalidateAttack();
        set((s) => ({
          input,
          classification,
          classifying: false,
          error: null,
          counterfactual: null,
          view: keepView ? s.view : { ...s.view, sliders: [] },
        }));
        // The reconstruction (one inverse pass) goes first of the explanations, after the posteriors are shown.
        explainer.requestReconstruction();
        explainer.refreshAll();
        links.scheduleFragment();
        return true;
      } catch (e) {
        if (e instanceof SupersededError || token !== inputToken) return false;
        set({ classifying: false, error: messageOf(e) });
        return false;
      }
    }

    async function galleryInput(id: string): Promise<ChosenInput> {
      const image = get().gallery.find((g) => g.id === id);
      if (!image) throw new Error(`the gallery has no image "${id}"`);
      const res = await fetch(url(`gallery/${image.file}`));
      if (!res.ok) throw new Error(`cannot load the gallery image ${image.title}: HTTP ${res.status}`);
      const file = await res.blob();
      return { name: image.title, source: { kind: 'file', file, name: image.file }, galleryId: id };
    }

    /** Loads a model; false when it failed or a newer load took over. */
    async function load(entry: ModelChoice): Promise<boolean> {
      const token = ++loadToken;
      set({ loading: { entry, loadedBytes: 0, totalBytes: entry.bytes }, error: null });
      try {
        const spec = await calls.call('load', modelSource(entry, url), (loadedBytes, totalBytes) => {
          if (token === loadToken) set({ loading: { entry, loadedBytes, totalBytes } });
        });
        // The worker answers in request order: the last load to succeed is its active model.
        set({ model: { entry, spec }, classification: null, counterfactual: null, guide: null });
        explainer.invalidate();
        invalidateAttack();
        if (token !== loadToken) return false;
        set({ loading: null });
        return true;
      } catch (e) {
        if (e instanceof SupersededError || token !== loadToken) return false;
        set({ loading: null, error: `${entry.name} could not be loaded: ${messageOf(e)}` });
        return false;
      }
    }

    /** Starts the worker's compute backend; without one no model can load, and the page says why. */
    async function startBackend(): Promise<void> {
      try {
        set({ backend: await calls.call('init', { wasmPaths: url(`${TFJS_WASM_DIR}/`), backends: env.backends, wasmThreads: env.wasmThreads }) });
      } catch (e) {
        set({ backendFailure: messageOf(e) });
        throw new Error(`No model can run in this browser: ${messageOf(e)}`);
      }
    }

    async function interpolateFromLink(image: PermalinkImage | null): Promise<void> {
      if (image?.kind === 'embedded') {
        const { width, height, channels, pixels } = image;
        await explainer.requestInterpolation({
          name: 'second image from the link',
          source: { kind: 'pixels', width, height, channels, pixels },
          galleryId: null,
        });
      } else if (image && get().gallery.some((g) => g.id === image.id)) {
        await explainer.requestInterpolation(await galleryInput(image.id));
      } else if (image) {
        links.addNotice("The interpolation's second image in the link is not in this gallery; no interpolation is shown.");
      }
    }

    /** Loads the link's model (or `entry`), then shows its image with its view. */
    async function openLink(link: OpeningLink, entry: ModelChoice): Promise<void> {
      if (!(await load(entry))) return;
      const { classes, input } = get().model!.spec;
      links.checkClasses(classes.length);
      const image = link.image;
      if (image?.kind === 'gallery' && get().gallery.some((g) => g.id === image.id)) {
        await classify(await galleryInput(image.id), true);
      } else if (image?.kind === 'embedded') {
        const { width, height, channels, pixels } = image;
        if (width !== input.width || height !== input.height || channels !== input.channels)
          links.addNotice(
            `The link's image is ${width}×${height}×${channels}, but ${entry.name} takes ${input.width}×${input.height}×${input.channels}: ` +
              "it was resized and cropped as a dropped photo is, so the model's input differs from the sender's.",
          );
        await classify({ name: 'image from the link', source: { kind: 'pixels', width, height, channels, pixels }, galleryId: null }, true);
      } else {
        if (image?.kind === 'gallery') links.addNotice('The gallery image in the link is not in this gallery; the first gallery image is shown.');
        await showDefaultImage();
      }
      await interpolateFromLink(link.interpolateTo);
      await compareFromLink(link.compare);
    }

    async function compareFromLink(id: string | null): Promise<void> {
      if (!id) return;
      if (id === get().model?.entry.id) links.addNotice(`The link compares ${get().model?.entry.name} with itself; no comparison is shown.`);
      else if (!get().models.some((m) => m.id === id))
        links.addNotice(`The model to compare with in the link ("${id}") is not available here; no comparison is shown, the rest of the view is.`);
      else await explainer.requestComparison(id);
    }

    async function showDefaultImage(): Promise<void> {
      const first = galleryFor(get().gallery, get().model)[0];
      if (first) await classify(await galleryInput(first.id));
    }

    return {
      models: [],
      gallery: [],
      backend: null,
      backendFailure: null,
      model: null,
      loading: null,
      input: null,
      classification: null,
      reconstruction: null,
      classifying: false,
      view: (({ model: _m, checkpoint: _c, image: _i, interpolateTo: _s, compare: _x, attack: _a, ...view }) => ({ ...view, sliders: [] }))(
        defaultPermalinkState(),
      ),
      map: { status: 'idle' },
      guide: null,
      counterfactual: null,
      samples: { status: 'idle' },
      interpolation: { status: 'idle' },
      comparison: { modelId: null, task: { status: 'idle' } },
      attackView: defaultPermalinkState().attack,
      attack: { status: 'idle' },
      conversion: null,
      missingCheckpoint: null,
      error: null,
      inputNotice: null,
      linkNotices: [],
      linkStatus: null,

      async start() {
        try {
          const [bundled, stored, gallery] = await Promise.all([
            fetchModelIndex(url('models/index.json')),
            storedChoices(env),
            fetchGallery(url('gallery/index.json')),
            startBackend(),
          ]);
          set({ models: [...bundled.map((m): ModelChoice => ({ ...m, origin: 'bundled' })), ...stored], gallery });
          const link = await links.readOpeningLink();
          await openLink(link, get().models.find((m) => m.id === link.model) ?? get().models[0]);
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
        const tokenAtLoad = inputToken;
        if (!(await load(entry))) return;
        const input = get().input;
        links.scheduleFragment();
        // Inputs chosen after this load was sent already ran on it.
        if (inputToken !== tokenAtLoad) return;
        if (input && (!input.galleryId || galleryFor(get().gallery, get().model).some((g) => g.id === input.galleryId))) await classify(input);
        else await showDefaultImage();
      },

      async chooseInput(file, name) {
        set({ inputNotice: null });
        await classify({ name, source: { kind: 'file', file, name }, galleryId: null });
      },
      ...createDropActions(
        set,
        (file, name) => get().chooseInput(file, name),
        (file) => get().convertCheckpoint(file),
      ),

      async chooseGallery(id) {
        set({ inputNotice: null });
        try {
          await classify(await galleryInput(id));
        } catch (e) {
          set({ error: messageOf(e) });
        }
      },

      // Every explanation is computed whichever panels are shown: showing one asks the worker for nothing.
      setPanels(panels) {
        set((s) => ({ view: { ...s.view, panels } }));
        links.scheduleFragment();
      },

      setTrustSummary(trust) {
        set((s) => ({ view: { ...s.view, trust } }));
        links.scheduleFragment();
      },

      setMap(change) {
        set((s) => ({ view: { ...s.view, map: { ...s.view.map, ...change } } }));
        explainer.requestMap();
        links.scheduleFragment();
      },

      setMapClasses(change) {
        set((s) => ({ view: { ...s.view, ...change } }));
        explainer.requestMap();
        links.scheduleFragment();
      },

      setLatentClasses(change) {
        set((s) => ({ view: { ...s.view, latent: { ...s.view.latent, ...change } } }));
        explainer.requestLatent();
        links.scheduleFragment();
      },

      cancelMap() {
        explainer.cancelMap();
      },

      setSlider(direction, amount) {
        set((s) => {
          const others = s.view.sliders.filter((x) => !sameSlider(x.direction, direction));
          return { view: { ...s.view, sliders: amount === 0 ? others : [...others, { direction, amount }] } };
        });
        explainer.requestEdit();
        links.scheduleFragment();
      },

      resetSliders() {
        set((s) => ({ view: { ...s.view, sliders: [] } }));
        explainer.requestEdit();
        links.scheduleFragment();
      },

      setSampling(change) {
        set((s) => ({ view: { ...s.view, sampling: { ...s.view.sampling, ...change } } }));
        explainer.requestSamples();
        links.scheduleFragment();
      },

      async interpolateWith(source) {
        try {
          const other =
            'galleryId' in source
              ? await galleryInput(source.galleryId)
              : { name: source.name, source: { kind: 'file' as const, file: source.file, name: source.name }, galleryId: null };
          await explainer.requestInterpolation(other);
        } catch (e) {
          set({ error: messageOf(e) });
        }
      },

      async compareWith(modelId) {
        await explainer.requestComparison(modelId);
        links.scheduleFragment();
      },
      ...attackActions,

      async exploreAttacked() {
        const attack = get().attack;
        if (attack.status !== 'done') return;
        const { pixels } = attack.value;
        await classify({ name: `${get().input?.name ?? 'image'}, attacked`, source: { kind: 'pixels', ...pixels }, galleryId: null });
      },
      copyPermalink: () => links.copyPermalink(),
      ...createConversionActions(get, set, env, url, async ({ stored, select }) => {
        set((s) => ({ models: [...s.models.filter((m) => m.origin === 'bundled'), ...stored] }));
        // A link waiting for this checkpoint opens its view now, without being sent again.
        const resumed = select ? links.resumeLink() : null;
        const entry = resumed && get().models.find((m) => m.id === resumed.model);
        if (resumed && entry) await openLink(resumed, entry);
        else if (select) await get().selectModel(select);
      }),

      dismissError() {
        set({ error: null });
      },
      dismissLinkNotices() {
        set({ linkNotices: [] });
      },
    };
  });
}

async function storedChoices(env: AppEnvironment): Promise<ModelChoice[]> {
  try {
    return (await env.listStoredModels()).map(storedChoice);
  } catch {
    // Without browser storage (private windows, old browsers) only the bundled models are listed.
    return [];
  }
}

async function fetchModelIndex(indexUrl: string): Promise<ModelIndexEntry[]> {
  const res = await fetch(indexUrl);
  if (!res.ok) throw new Error(`cannot load the model list ${indexUrl}: HTTP ${res.status}`);
  const { models } = (await res.json()) as { models?: ModelIndexEntry[] };
  if (!Array.isArray(models) || models.length === 0) throw new Error(`${indexUrl} lists no models`);
  return models;
}

async function fetchGallery(indexUrl: string): Promise<GalleryImage[]> {
  try {
    const res = await fetch(indexUrl);
    if (!res.ok) return [];
    const { images } = (await res.json()) as { images?: GalleryImage[] };
    return Array.isArray(images) ? images.filter((g) => typeof g?.id === 'string' && typeof g.file === 'string' && Array.isArray(g.models)) : [];
  } catch {
    return [];
  }
}
