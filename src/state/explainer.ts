/** Requests for the explanations of the current image; only the newest answer of each kind is shown. */
import { type InferenceCalls, SupersededError } from '../worker/client';
import type { AppState, ChosenInput } from './appState';
import { messageOf, modelSource } from './models';
import { panelClassesOf } from './panelClasses';
import { typicalRange } from './resultView';

type Get = () => AppState;
type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

/** Separating dimensions and principal directions offered as sliders. */
export const SEPARATING_SLIDERS = 5;
export const PRINCIPAL_SLIDERS = 3;
export const INTERPOLATION_STEPS = 8;

export function createExplainer(client: InferenceCalls, get: Get, set: Set, url: (path: string) => string) {
  // Bumped when the image or the model changes: answers about the previous one are dropped.
  let epoch = 0;
  const latest: Record<string, number> = {};

  /**
   * Runs one request kind; its answer (and any progress, through `isNewest`) is applied only if it
   * is still the newest of its kind for the same image.
   */
  async function run<T>(
    kind: string,
    call: (isNewest: () => boolean) => Promise<T>,
    apply: (value: T) => void,
    fail: (message: string) => void,
  ): Promise<void> {
    const ticket = (latest[kind] ?? 0) + 1;
    latest[kind] = ticket;
    const at = epoch;
    const isNewest = () => ticket === latest[kind] && at === epoch;
    try {
      const value = await call(isNewest);
      if (isNewest()) apply(value);
    } catch (e) {
      if (e instanceof SupersededError || !isNewest()) return;
      fail(messageOf(e));
    }
  }

  function requestMap(): void {
    const s = get();
    const classes = panelClassesOf(s)?.map;
    if (!classes) return;
    const { method, objective, steps, patch, stride, fill } = s.view.map;
    set({ map: { status: 'running', previous: s.map.status === 'done' ? s.map.value : s.map.status === 'idle' ? null : s.map.previous } });
    const request = { method, objective, target: classes.a, contrast: classes.b, steps, patch, stride, fill };
    void run(
      'map',
      (isNewest) =>
        client.call('map', { request }, (done, total) =>
          set((st) => (isNewest() && st.map.status === 'running' ? { map: { ...st.map, steps: { done, total } } } : {})),
        ),
      (value) => set({ map: { status: 'done', value } }),
      (message) => set((st) => ({ map: { status: 'failed', message, previous: st.map.status === 'running' ? st.map.previous : null } })),
    );
  }

  /** The running map's answer is dropped and the worker stops it; the previous map stays shown. */
  function cancelMap(): void {
    const s = get();
    if (s.map.status !== 'running') return;
    latest.map = (latest.map ?? 0) + 1;
    void client.call('cancel', { kind: 'map' }).catch(() => undefined);
    set({ map: s.map.previous ? { status: 'done', value: s.map.previous } : { status: 'idle' } });
  }

  function requestGuide(): void {
    const classes = panelClassesOf(get())?.latent;
    if (!classes) return;
    void run(
      'guide',
      () => client.call('latentGuide', { a: classes.from, b: classes.toward, dims: SEPARATING_SLIDERS, principal: PRINCIPAL_SLIDERS }),
      (guide) => set({ guide }),
      (message) => set({ error: `the latent editor could not be set up: ${message}` }),
    );
  }

  function requestReconstruction(): void {
    void run(
      'reconstruction',
      () => client.call('reconstruct', {}),
      (reconstruction) => set({ reconstruction }),
      (message) => set({ error: `the reconstruction failed: ${message}` }),
    );
  }

  function requestEdit(): void {
    const s = get();
    const classes = panelClassesOf(s)?.latent;
    if (!classes) return;
    void run(
      'edit',
      () => client.call('edit', { from: classes.from, sliders: s.view.sliders }),
      (counterfactual) => set({ counterfactual }),
      (message) => set({ error: message }),
    );
  }

  function requestSamples(): void {
    const s = get();
    const classIndex = panelClassesOf(s)?.samples;
    if (classIndex === undefined) return;
    const { seed, count, temperature, keep } = s.view.sampling;
    const typical = keep === 'typical' && s.model ? typicalRange(s.model.spec.card) : null;
    set({ samples: { status: 'running', previous: s.samples.status === 'done' ? s.samples.value : null } });
    void run(
      'samples',
      () => client.call('sample', { classIndex, count, seed, temperature, typical }),
      (value) => set({ samples: { status: 'done', value } }),
      (message) => set({ samples: { status: 'failed', message, previous: null } }),
    );
  }

  async function requestInterpolation(input: ChosenInput): Promise<void> {
    const other = { name: input.name, galleryId: input.galleryId };
    set({ interpolation: { status: 'running', previous: null, other } });
    await run(
      'interpolation',
      () => client.call('interpolate', { other: input.source, steps: INTERPOLATION_STEPS }),
      (value) => set({ interpolation: { status: 'done', value, other } }),
      (message) => set({ interpolation: { status: 'failed', message, previous: null, other } }),
    );
  }

  async function requestComparison(modelId: string | null): Promise<void> {
    const s = get();
    // A model is not compared with itself (after the main model is switched to the compared one).
    const entry = s.models.find((m) => m.id === modelId && m.id !== s.model?.entry.id);
    if (!entry || !s.input) {
      set({ comparison: { modelId: null, task: { status: 'idle' } } });
      return;
    }
    set({ comparison: { modelId: entry.id, task: { status: 'running', previous: null } } });
    // A gallery image made for another model is still fine: the second model preprocesses it itself.
    const input = s.input;
    await run(
      'comparison',
      () => client.call('compare', { model: modelSource(entry, url), input: input.source }),
      (value) => set({ comparison: { modelId: entry.id, task: { status: 'done', value } } }),
      (message) => set({ comparison: { modelId: entry.id, task: { status: 'failed', message, previous: null } } }),
    );
  }

  return {
    invalidate() {
      epoch++;
      set({ map: { status: 'idle' }, reconstruction: null, guide: null, samples: { status: 'idle' }, interpolation: { status: 'idle' } });
    },
    /** Everything that depends on the image, the model or the chosen classes. */
    refreshAll() {
      requestMap();
      requestGuide();
      requestEdit();
      requestSamples();
      const { comparison } = get();
      if (comparison.modelId) void requestComparison(comparison.modelId);
    },
    requestReconstruction,
    requestMap,
    cancelMap,
    /** The latent editor's guide and counterfactual, after its classes changed. */
    requestLatent() {
      requestGuide();
      requestEdit();
    },
    requestEdit,
    requestSamples,
    requestInterpolation,
    requestComparison,
  };
}
