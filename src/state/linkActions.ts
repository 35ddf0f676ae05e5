/** The view ↔ the URL fragment: read once at start, rewritten as the view changes, copied on demand. */
import type { AppEnvironment, AppState } from './appState';
import { messageOf } from './models';
import { parsePermalink, serializePermalink, type PermalinkImage, type PermalinkState } from './permalink';

type Get = () => AppState;
type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

const FRAGMENT_DELAY_MS = 250;
const SLIDER_ID = /^(toward|dim|pc)-(\d+)$|^residual$/;

export function permalinkState(s: AppState, withImage = true): PermalinkState {
  let image: PermalinkImage | null = null;
  if (withImage && s.input?.galleryId) image = { kind: 'gallery', id: s.input.galleryId };
  else if (withImage && s.classification?.pixels) image = { kind: 'embedded', ...s.classification.pixels };
  return { model: s.model?.entry.id ?? null, image, ...s.view };
}

export function createLinkActions(get: Get, set: Set, env: AppEnvironment, onViewChanged: () => void) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const addNotice = (text: string) => set((s) => ({ linkNotices: [...s.linkNotices, text] }));

  async function writeFragment(): Promise<void> {
    if (!get().model) return;
    let serialized = await serializePermalink(permalinkState(get()));
    if (!serialized.ok) serialized = await serializePermalink(permalinkState(get(), false));
    if (serialized.ok) env.writeFragment(serialized.fragment);
  }

  return {
    addNotice,

    /** The link the page was opened with: its view is applied now, its model and image returned. */
    async readOpeningLink(): Promise<Pick<PermalinkState, 'model' | 'image'>> {
      if (!env.fragment || env.fragment === '#') return { model: null, image: null };
      const { state, notices } = await parsePermalink(env.fragment);
      const { model, image, ...view } = state;
      const sliders = view.sliders.filter((s) => SLIDER_ID.test(s.direction));
      if (sliders.length < view.sliders.length) notices.push('The link names sliders this version does not have; they were left out.');
      if (model && !get().models.some((m) => m.id === model)) notices.push('The model in the link is not available here; the first model is shown.');
      set({ view: { ...view, sliders }, linkNotices: notices });
      return { model, image };
    },

    /** Class indices beyond the loaded model's classes are clamped, with a notice. */
    checkClasses(classes: number): void {
      const { view } = get();
      const clamp = (c: number | string, what: string) => {
        if (typeof c !== 'number' || c < classes) return c;
        addNotice(`The ${what} in the link (${c}) is not a class of this model; using ${classes - 1}.`);
        return classes - 1;
      };
      const target = clamp(view.target, 'explained class') as typeof view.target;
      const contrast = clamp(view.contrast, 'contrast class') as typeof view.contrast;
      const sliders = view.sliders.filter((s) => {
        const m = /^toward-(\d+)$/.exec(s.direction);
        return !m || Number(m[1]) < classes;
      });
      if (sliders.length < view.sliders.length) addNotice('A "toward" slider in the link names a class this model does not have; it was left out.');
      if (target !== view.target || contrast !== view.contrast || sliders.length !== view.sliders.length) {
        set({ view: { ...view, target, contrast, sliders } });
        onViewChanged();
      }
    },

    scheduleFragment(): void {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void writeFragment(), FRAGMENT_DELAY_MS);
    },

    async copyPermalink(): Promise<void> {
      try {
        let serialized = await serializePermalink(permalinkState(get()));
        let message = 'Link copied.';
        if (!serialized.ok) {
          message = `${serialized.message} The copied link holds the view without the image.`;
          serialized = await serializePermalink(permalinkState(get(), false));
        }
        if (!serialized.ok) throw new Error(serialized.message);
        const href = `${env.pageUrl.split('#')[0]}#${serialized.fragment}`;
        env.writeFragment(serialized.fragment);
        try {
          await env.copyText(href);
        } catch {
          message = 'The clipboard is not available: copy the link from the address bar.';
        }
        set({ linkStatus: { ok: message === 'Link copied.', message, href } });
      } catch (e) {
        set({ linkStatus: { ok: false, message: `The link could not be made: ${messageOf(e)}`, href: null } });
      }
    },
  };
}
