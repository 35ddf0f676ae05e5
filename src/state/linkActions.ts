/** The view ↔ the URL fragment: read once at start, rewritten as the view changes, copied on demand. */

import type { Pixels } from '../worker/protocol';
import type { AppEnvironment, AppState } from './appState';
import { messageOf } from './models';
import {
  type CheckpointRef,
  LONG_LINK_LENGTH,
  type PermalinkImage,
  type PermalinkState,
  parsePermalink,
  type SerializedPermalink,
  serializePermalink,
} from './permalink';
import { readSliders, writeSliders } from './sliders';

type Get = () => AppState;
type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

const FRAGMENT_DELAY_MS = 250;

/** Which embedded images may go into a link; gallery ids always do. */
interface Embedding {
  image: boolean;
  second: boolean;
}

export function permalinkState(s: AppState, embed: Embedding = { image: true, second: true }): PermalinkState {
  const pixels = s.interpolation.status === 'done' ? s.interpolation.value.second : null;
  return {
    model: s.model?.entry.id ?? null,
    checkpoint: s.model?.entry.source ?? null,
    image: linkImage(s.input?.galleryId, s.classification?.pixels, embed.image),
    interpolateTo: s.interpolation.status === 'done' ? linkImage(s.interpolation.other?.galleryId, pixels, embed.second) : null,
    compare: s.comparison.modelId,
    ...s.view,
    sliders: writeSliders(s.view.sliders),
    attack: s.attackView,
  };
}

function linkImage(galleryId: string | null | undefined, pixels: Pixels | null | undefined, embed: boolean): PermalinkImage | null {
  if (galleryId) return { kind: 'gallery', id: galleryId };
  return embed && pixels ? { kind: 'embedded', ...pixels } : null;
}

/** The link with as many embedded images as fit: the second image goes first, then the main one. */
async function fittingLink(s: AppState): Promise<{ serialized: SerializedPermalink; left: string | null }> {
  const all = await serializePermalink(permalinkState(s));
  if (all.ok) return { serialized: all, left: null };
  const withoutSecond = await serializePermalink(permalinkState(s, { image: true, second: false }));
  if (withoutSecond.ok)
    return {
      serialized: withoutSecond,
      left: "The interpolation's second image is too large to embed in a link; the copied link leaves the interpolation out.",
    };
  const bare = await serializePermalink(permalinkState(s, { image: false, second: false }));
  return { serialized: bare, left: `${all.message} The copied link holds the view without the image.` };
}

/** Where the authors publish the checkpoints that links to converted models name. */
export const CHECKPOINT_SOURCE = 'github.com/RayDeeA/ibinn_imagenet';

export type OpeningLink = Pick<PermalinkState, 'model' | 'checkpoint' | 'image' | 'interpolateTo' | 'compare'>;

export function missingCheckpointMessage(ref: CheckpointRef): string {
  return (
    `This link shows a model converted from the checkpoint ${ref.file} (SHA-256 ${ref.sha256.slice(0, 12)}…), which this browser does not have. ` +
    `The authors publish their ImageNet checkpoints (beta_1, 2, 4, 8, 16, 32 and inf .avg.pt) at ${CHECKPOINT_SOURCE}: download ${ref.file} ` +
    'and add it with "Add a .pt checkpoint"; the link\'s view opens once it is converted.'
  );
}

/** whenIdle: resolves once no work runs; the address bar waits for it. */
export function createLinkActions(get: Get, set: Set, env: AppEnvironment, onViewChanged: () => void, whenIdle: () => Promise<void>) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** The opening link whose checkpoint is missing, waiting for it to be converted. */
  let pending: { state: PermalinkState; notices: string[] } | null = null;

  /** Applies a parsed link's view and notices; returns what the store opens. */
  function applyView(state: PermalinkState, notices: string[]): OpeningLink {
    const { model, checkpoint, image, interpolateTo, compare, attack, ...view } = state;
    const sliders = readSliders(view.sliders);
    if (sliders.length < view.sliders.length) notices.push('The link names sliders this version does not have; they were left out.');
    set({ view: { ...view, sliders }, attackView: attack, linkNotices: notices });
    return {
      model: checkpoint ? (get().models.find((m) => m.source?.sha256 === checkpoint.sha256)?.id ?? null) : model,
      checkpoint,
      image,
      interpolateTo,
      compare,
    };
  }
  const addNotice = (text: string) => set((s) => ({ linkNotices: [...s.linkNotices, text] }));

  /** The fragment last written: rewriting the address costs the page's thread in proportion to its length (an embedded 224² image: 200,000 characters). */
  let written: string | null = null;
  const write = (fragment: string) => {
    if (fragment === written) return;
    written = fragment;
    env.writeFragment(fragment);
  };

  /** A write asked for while one waits or runs: that one writes again, from the newest state. */
  let asked = false;
  let writing = false;
  async function writeFragment(): Promise<void> {
    asked = true;
    if (writing) return;
    writing = true;
    try {
      while (asked) {
        asked = false;
        await whenIdle();
        if (!get().model) continue;
        const { serialized } = await fittingLink(get());
        if (serialized.ok) write(serialized.fragment);
      }
    } finally {
      writing = false;
    }
  }

  return {
    addNotice,

    /**
     * The link the page was opened with: its view is applied now, its model and image returned. A link
     * to a checkpoint this browser lacks is kept aside (resumeLink opens it) and nothing of it is returned.
     */
    async readOpeningLink(): Promise<OpeningLink> {
      const none: OpeningLink = { model: null, checkpoint: null, image: null, interpolateTo: null, compare: null };
      if (!env.fragment || env.fragment === '#') return none;
      const { state, notices } = await parsePermalink(env.fragment);
      const { checkpoint, model } = state;
      if (checkpoint && !get().models.some((m) => m.source?.sha256 === checkpoint.sha256)) {
        pending = { state, notices };
        set({ missingCheckpoint: checkpoint, linkNotices: notices });
        return none;
      }
      if (!checkpoint && model && !get().models.some((m) => m.id === model))
        notices.push('The model in the link is not available here; the first model is shown.');
      return applyView(state, notices);
    },

    /** The waiting link, once a model converted from its checkpoint is listed; null otherwise. */
    resumeLink(): OpeningLink | null {
      const waiting = pending;
      if (!waiting?.state.checkpoint || !get().models.some((m) => m.source?.sha256 === waiting.state.checkpoint?.sha256)) return null;
      pending = null;
      set({ missingCheckpoint: null });
      return applyView(waiting.state, waiting.notices);
    },

    /** Class indices beyond the loaded model's classes are clamped, with a notice. */
    checkClasses(classes: number): void {
      const { view } = get();
      let clamped = false;
      const clamp = <T extends number | string>(c: T, what: string): T => {
        if (typeof c !== 'number' || c < classes) return c;
        addNotice(`The ${what} in the link (${c}) is not a class of this model; using ${classes - 1}.`);
        clamped = true;
        return (classes - 1) as T;
      };
      const target = clamp(view.target, "map's explained class");
      const contrast = clamp(view.contrast, "map's contrast class");
      const latent = { from: clamp(view.latent.from, "latent editor's class"), toward: clamp(view.latent.toward, "latent editor's toward class") };
      const sampling = { ...view.sampling, target: clamp(view.sampling.target, "samples' class") };
      const attackTarget = get().attackView.target;
      if (attackTarget !== null && attackTarget >= classes) {
        addNotice(`The attack's target class in the link (${attackTarget}) is not a class of this model; the attack is untargeted.`);
        set((s) => ({ attackView: { ...s.attackView, target: null } }));
      }
      const sliders = view.sliders.filter(({ direction }) => direction.kind !== 'toward' || direction.to < classes);
      if (sliders.length < view.sliders.length) addNotice('A "toward" slider in the link names a class this model does not have; it was left out.');
      if (clamped || sliders.length !== view.sliders.length) {
        set({ view: { ...view, target, contrast, latent, sampling, sliders } });
        onViewChanged();
      }
    },

    scheduleFragment(): void {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void writeFragment(), FRAGMENT_DELAY_MS);
    },

    async copyPermalink(): Promise<void> {
      try {
        const { serialized, left } = await fittingLink(get());
        if (!serialized.ok) throw new Error(serialized.message);
        const href = `${env.pageUrl.split('#')[0]}#${serialized.fragment}`;
        write(serialized.fragment);
        const copied = await env.copyText(href).then(
          () => true,
          () => false,
        );
        const long =
          serialized.fragment.length > LONG_LINK_LENGTH
            ? `It is long (${href.length.toLocaleString('en')} characters, as it carries the image): browsers and email take it, ` +
              `but many chat tools cut links after ${LONG_LINK_LENGTH.toLocaleString('en')} characters.`
            : null;
        const outcome = [copied ? (left ? null : 'Link copied.') : 'The clipboard is not available: copy the link from the address bar.', long]
          .filter(Boolean)
          .join(' ');
        set({ linkStatus: { ok: copied && !left, message: [left, outcome].filter(Boolean).join(' '), href } });
      } catch (e) {
        set({ linkStatus: { ok: false, message: `The link could not be made: ${messageOf(e)}`, href: null } });
      }
    },
  };
}
