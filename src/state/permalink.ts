import { ATTACK_NORMS, type AttackSettings } from '../explain/attack';
import { MAP_METHODS, MAP_OBJECTIVES, type MapMethod, type MapObjective } from '../explain/mapMethods';
import { deflateRaw, filterRowsInSlices, fromBase64Url, inflateRawExactly, toBase64Url, unfilterRows } from './permalinkCodec';

/**
 * The view as it travels in the URL fragment: one versioned schema, written as
 * `v=2&model=…&img=…&…` in a fixed key order, with defaults left out.
 * Version 2 gave the latent editor and the samples their own classes (version 1 shared the map's).
 */
export const PERMALINK_VERSION = 2;
/**
 * Longest fragment written or read, in characters: half of the 2 MB Chromium takes in a URL. A 224² photo
 * (the ImageNet model's input) takes about 100–250k characters, so links that carry one work in browsers,
 * email and files, but not in chat tools: see LONG_LINK_LENGTH.
 */
export const MAX_FRAGMENT_LENGTH = 1_000_000;
/** Links longer than this get a warning: many chat tools and URL shorteners cut links at about 4,000–8,000 characters. */
export const LONG_LINK_LENGTH = 8_000;
/** The only strings a link can carry besides the fixed enums. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Which samples the samples panel shows. */
export const SAMPLE_FILTERS = ['typical', 'all'] as const;
export type SampleFilter = (typeof SAMPLE_FILTERS)[number];

export const PANELS = ['input', 'posterior', 'map', 'latent', 'samples', 'interpolation', 'calibration', 'trust', 'attack'] as const;
export type PanelId = (typeof PANELS)[number];

/** The class explained: an index, or whichever class the model predicts. */
export type ClassChoice = number | 'predicted';
/** What it is compared with: a class, the most probable other class, or the mean over classes. */
export type ContrastChoice = number | 'predicted' | 'mean';

export type PermalinkImage =
  | { kind: 'gallery'; id: string }
  /** 8-bit pixels at the model's input resolution, row-major (h, w, c). */
  | { kind: 'embedded'; width: number; height: number; channels: 1 | 3; pixels: Uint8Array };

/** A converted checkpoint named by content: its file name (to tell people what to add) and the SHA-256 of the file. */
export interface CheckpointRef {
  file: string;
  sha256: string;
}

/** A trust report as a link carries it: its counts and metrics, never its images or folder names. */
export interface TrustSummary {
  images: number;
  labelled: number;
  inImages: number;
  outImages: number;
  accuracy: number | null;
  ece: number | null;
  auroc: number | null;
  /** The batch attack over the same images: its settings and figures. */
  attack: (AttackSettings & { attacked: number; successRate: number | null; auroc: number | null }) | null;
}

/** The attack panel's settings, and how many more attacks bracket the smallest flipping ε. */
export type AttackView = AttackSettings & { searchAttacks: number };

export interface PermalinkState {
  model: string | null;
  /** Set for models converted from a checkpoint: the recipient's copy has another id, so the link names the file by content. */
  checkpoint: CheckpointRef | null;
  image: PermalinkImage | null;
  /** The interpolation's second image. */
  interpolateTo: PermalinkImage | null;
  /** The map's explained class. */
  target: ClassChoice;
  /** The map's contrast. */
  contrast: ContrastChoice;
  /** The latent editor's classes: edits start from `from`; "toward" sliders lead to `toward` ('predicted': the most probable class other than `from`). */
  latent: { from: ClassChoice; toward: ClassChoice };
  /** The other model shown side by side with this one, by id. */
  compare: string | null;
  map: { method: MapMethod; objective: MapObjective; steps: number; patch: number; stride: number; fill: number };
  /** Latent editor sliders: direction id → amount, at most MAX_SLIDERS, ids unique. */
  sliders: { direction: string; amount: number }[];
  /** target: the class sampled from; keep: every sample, or only those typical of the training data (when the model card says what that is). */
  sampling: { target: ClassChoice; seed: number; count: number; temperature: number; keep: SampleFilter };
  /** Panels shown, in order. */
  panels: PanelId[];
  /** The last trust report's counts and metrics. */
  trust: TrustSummary | null;
  attack: AttackView;
}

export const MAX_SLIDERS = 32;
const MAX_NOTICES = 20;
/** Embedded images are at most this many pixels on a side. */
export const MAX_EMBEDDED_SIDE = 512;

/** [min, max] and whether only integers are allowed, per numeric setting. */
export const LIMITS = {
  classIndex: [0, 99_999, true],
  steps: [1, 1024, true],
  patch: [1, 1024, true],
  stride: [1, 1024, true],
  fill: [-10, 10, false],
  amount: [-100, 100, false],
  seed: [0, 4_294_967_295, true],
  count: [1, 64, true],
  temperature: [0, 2, false],
  epsilon: [0, 100_000, false],
  attackSteps: [1, 10_000, true],
  stepSize: [1e-6, 100_000, false],
  searchAttacks: [0, 64, true],
} as const satisfies Record<string, readonly [number, number, boolean]>;

/** How one setting is spelled in a link. */
interface Codec<T> {
  /** null writes nothing. */
  write(value: T): string | null | Promise<string | null>;
  /** What the link's text says; anything it cannot use gives `fallback`, with a notice. */
  read(raw: string, notices: NoticeList, fallback: T): T | Promise<T>;
}

/** One setting of the state, type-erased so that the table below can list them all. */
interface Field {
  key: string;
  /** Its text in a link, or null when it is left out (it has its default). */
  write(state: PermalinkState): Promise<string | null>;
  read(raw: string, state: PermalinkState, notices: NoticeList): Promise<void>;
  reset(state: PermalinkState): void;
}

/** The setting `owner(state)[prop]`, written under `key` unless it writes as its default does. */
function field<O, P extends keyof O>(key: string, owner: (s: PermalinkState) => O, prop: P, initial: O[P], codec: Codec<O[P]>): Field {
  return {
    key,
    async write(state) {
      const text = await codec.write(owner(state)[prop]);
      return text === (await codec.write(initial)) ? null : text;
    },
    async read(raw, state, notices) {
      owner(state)[prop] = await codec.read(raw, notices, owner(state)[prop]);
    },
    reset(state) {
      owner(state)[prop] = structuredClone(initial);
    },
  };
}

const top = (s: PermalinkState) => s;
const map = (s: PermalinkState) => s.map;
const sampling = (s: PermalinkState) => s.sampling;
const latent = (s: PermalinkState) => s.latent;

/** Every setting a link carries, in the order it is written and read, with its default. */
const FIELDS: Field[] = [
  field('model', top, 'model', null, idCodec('model')),
  field('ckpt', top, 'checkpoint', null, checkpointCodec()),
  field('img', top, 'image', null, imageCodec('image')),
  field('img2', top, 'interpolateTo', null, imageCodec('interpolation')),
  field('a', top, 'target', 'predicted', choiceCodec('explained class', ['predicted'])),
  field('b', top, 'contrast', 'predicted', choiceCodec('contrast class', ['predicted', 'mean'])),
  field('from', latent, 'from', 'predicted', choiceCodec("latent editor's class", ['predicted'])),
  field('to', latent, 'toward', 'predicted', choiceCodec("latent editor's toward class", ['predicted'])),
  field('cmp', top, 'compare', null, idCodec('compared model')),
  field('map', map, 'method', 'decomposition', enumCodec('map method', MAP_METHODS)),
  field('f', map, 'objective', 'likelihood', enumCodec('map objective', MAP_OBJECTIVES)),
  field('steps', map, 'steps', 64, numberCodec('integration steps', LIMITS.steps)),
  field('patch', map, 'patch', 8, numberCodec('patch size', LIMITS.patch)),
  field('stride', map, 'stride', 4, numberCodec('patch stride', LIMITS.stride)),
  field('fill', map, 'fill', 0, numberCodec('patch fill value', LIMITS.fill)),
  field('dir', top, 'sliders', [], slidersCodec()),
  field('sample', sampling, 'target', 'predicted', choiceCodec("samples' class", ['predicted'])),
  field('seed', sampling, 'seed', 0, numberCodec('sample seed', LIMITS.seed)),
  field('n', sampling, 'count', 4, numberCodec('sample count', LIMITS.count)),
  // 0.7 as in Glow's demos (Kingma & Dhariwal 2018): lower T is more likely but less typical.
  field('temp', sampling, 'temperature', 0.7, numberCodec('temperature', LIMITS.temperature)),
  field('keep', sampling, 'keep', 'typical', enumCodec('sample filter', SAMPLE_FILTERS)),
  field('panels', top, 'panels', ['input', 'posterior', 'map', 'latent', 'samples', 'calibration', 'trust'], panelsCodec()),
  field('trust', top, 'trust', null, trustCodec()),
  field('atk', top, 'attack', { target: null, norm: 'linf', epsilon: 8, steps: 10, stepSize: 2, searchAttacks: 6 }, attackCodec()),
];
const VERSION_KEY = 'v';

export function defaultPermalinkState(): PermalinkState {
  const state = { map: {}, sampling: {}, latent: {} } as PermalinkState;
  for (const f of FIELDS) f.reset(state);
  return state;
}

export type SerializedPermalink = { ok: true; fragment: string } | { ok: false; reason: 'too-large'; length: number; message: string };

/** The fragment (without '#') for a state, or 'too-large' when an embedded image makes it longer than MAX_FRAGMENT_LENGTH. */
export async function serializePermalink(state: PermalinkState): Promise<SerializedPermalink> {
  const parts: [string, string | null][] = [[VERSION_KEY, String(PERMALINK_VERSION)]];
  for (const f of FIELDS) parts.push([f.key, await f.write(state)]);
  const fragment = parts.flatMap(([k, v]) => (v === null ? [] : [`${k}=${v}`])).join('&');
  if (fragment.length > MAX_FRAGMENT_LENGTH)
    return {
      ok: false,
      reason: 'too-large',
      length: fragment.length,
      message:
        `This image is too large to embed in a link (${fragment.length} characters, at most ${MAX_FRAGMENT_LENGTH}). ` +
        'Links can carry gallery images, drawings and photos up to 512 pixels a side.',
    };
  return { ok: true, fragment };
}

/** How a class choice is spelled in a link. */
function choiceText(c: number | string): string {
  return c === 'predicted' ? 'pred' : String(c);
}

/**
 * Each embedded image's text, by its pixel array: the page rewrites the link at every view change (a slider step, a
 * map method), and encoding a 224² image costs the page's thread tens of milliseconds. Pixel arrays are never mutated.
 */
const encodedImages = new WeakMap<Uint8Array, { shape: string; text: Promise<string> }>();

function encodeImage(image: PermalinkImage): Promise<string> {
  if (image.kind === 'gallery') return Promise.resolve(`g:${image.id}`);
  const { width, height, channels, pixels } = image;
  if (pixels.length !== width * height * channels)
    throw new RangeError(`an embedded image of ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${pixels.length}`);
  const shape = `${width}x${height}x${channels}`;
  const known = encodedImages.get(pixels);
  if (known?.shape === shape) return known.text;
  // p: PNG's row filters, then deflate; lossless, so the recipient's model input is the same bit for bit.
  const text = filterRowsInSlices(pixels, width, height, channels)
    .then(deflateRaw)
    .then((packed) => `p:${shape}:${toBase64Url(packed)}`);
  encodedImages.set(pixels, { shape, text });
  text.catch(() => encodedImages.delete(pixels));
  return text;
}

export interface ParsedPermalink {
  state: PermalinkState;
  /** What was dropped, clamped or replaced, in words; never quotes the link's own text. */
  notices: string[];
}

/** Reads a fragment (with or without '#'). Never throws; anything it cannot use falls back to the default, with a notice. */
export async function parsePermalink(fragment: string): Promise<ParsedPermalink> {
  const notices = new NoticeList();
  try {
    return { state: await readFragment(fragment, notices), notices: notices.list() };
  } catch {
    notices.add('The link could not be read; the default view is shown.');
    return { state: defaultPermalinkState(), notices: notices.list() };
  }
}

class NoticeList {
  private readonly items: string[] = [];
  private dropped = 0;
  add(text: string): void {
    if (this.items.length < MAX_NOTICES) this.items.push(text);
    else this.dropped++;
  }
  list(): string[] {
    return this.dropped ? [...this.items, `…and ${this.dropped} more problems with the link.`] : [...this.items];
  }
}

/** Every key a link may hold, the version first. */
export const PERMALINK_KEYS = [VERSION_KEY, ...FIELDS.map((f) => f.key)];

async function readFragment(fragment: string, notices: NoticeList): Promise<PermalinkState> {
  const state = defaultPermalinkState();
  if (typeof fragment !== 'string') {
    notices.add('The link is not text; the default view is shown.');
    return state;
  }
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text.length > MAX_FRAGMENT_LENGTH) {
    notices.add(`The link is too long (${text.length} characters, at most ${MAX_FRAGMENT_LENGTH}) and was ignored.`);
    return state;
  }
  if (text === '') return state;
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!PERMALINK_KEYS.includes(key)) {
      problems.push(
        ID_PATTERN.test(key) && key.length <= 32 ? `The link's unknown setting "${key}" was ignored.` : 'An unreadable part of the link was ignored.',
      );
      continue;
    }
    if (values.has(key)) {
      problems.push(`The setting "${key}" appears more than once; the first one is used.`);
      continue;
    }
    const value = eq < 0 ? null : decode(part.slice(eq + 1));
    if (value === null) problems.push(`The setting "${key}" has no readable value and was ignored.`);
    else values.set(key, value);
  }
  const version = readVersion(values.get(VERSION_KEY), notices);
  for (const p of problems) notices.add(p);
  for (const f of FIELDS) {
    const raw = values.get(f.key);
    // A missing setting keeps its default silently.
    if (raw !== undefined) await f.read(raw, state, notices);
  }
  if (version === 1) shareMapClasses(state);
  return state;
}

/** Version 1 links had one class choice for the map, the latent editor and the samples: they open as they were sent. */
function shareMapClasses(state: PermalinkState): void {
  state.latent = { from: state.target, toward: state.contrast === 'mean' ? 'predicted' : state.contrast };
  state.sampling.target = state.target;
}

function decode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The link's version, read as the current one when missing or unreadable. */
function readVersion(raw: string | undefined, notices: NoticeList): number {
  if (raw === undefined) notices.add(`The link has no version; it was read as version ${PERMALINK_VERSION}.`);
  else if (!/^[1-9][0-9]{0,8}$/.test(raw)) notices.add(`The link's version is unreadable; it was read as version ${PERMALINK_VERSION}.`);
  else if (Number(raw) > PERMALINK_VERSION)
    notices.add(
      `The link was made by a newer version of GC Lens (link version ${Number(raw)}, this is ${PERMALINK_VERSION}); settings this version knows were kept.`,
    );
  else return Number(raw);
  return PERMALINK_VERSION;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function idCodec(what: string): Codec<string | null> {
  return {
    write: (id) => id,
    read(raw, notices) {
      if (ID_PATTERN.test(raw)) return raw;
      notices.add(`The ${what} id in the link is not a valid id and was ignored.`);
      return null;
    },
  };
}

/** File names a link can carry: what people download, nothing that needs escaping beyond these. */
const CHECKPOINT_FILE = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,99}$/;

/** `<file name>:<sha256 hex>`. */
function checkpointCodec(): Codec<CheckpointRef | null> {
  return {
    write: (ref) => ref && `${ref.file.replace(/[^A-Za-z0-9._()-]/g, '_').replace(/^[^A-Za-z0-9]/, 'x')}:${ref.sha256}`,
    read(raw, notices) {
      const colon = raw.lastIndexOf(':');
      const [file, sha256] = [raw.slice(0, Math.max(0, colon)), raw.slice(colon + 1)];
      if (colon > 0 && CHECKPOINT_FILE.test(file) && /^[0-9a-f]{64}$/.test(sha256)) return { file, sha256 };
      notices.add('The checkpoint named in the link is not in a known form and was ignored.');
      return null;
    },
  };
}

function imageCodec(role: keyof typeof IMAGE_ROLES): Codec<PermalinkImage | null> {
  return {
    write: (image) => image && encodeImage(image),
    read: (raw, notices) => readImage(raw, notices, role),
  };
}

function enumCodec<T extends string>(what: string, allowed: readonly T[]): Codec<T> {
  return {
    write: (value) => value,
    read(raw, notices, fallback) {
      const found = allowed.find((a) => a === raw);
      if (found) return found;
      notices.add(`The ${what} in the link is unknown; using "${fallback}".`);
      return fallback;
    },
  };
}

/** A class index, or one of the words. */
function choiceCodec<T extends string>(what: string, words: readonly T[]): Codec<number | T> {
  return {
    write: choiceText,
    read: (raw, notices, fallback) => words.find((w) => choiceText(w) === raw) ?? parseNumber(raw, what, LIMITS.classIndex, fallback, notices),
  };
}

function numberCodec(what: string, limits: readonly [number, number, boolean]): Codec<number> {
  return {
    write: String,
    read: (raw, notices, fallback) => parseNumber(raw, what, limits, fallback, notices) as number,
  };
}

/** `direction:amount,…`; direction ids are only checked to be ids here (the app knows which sliders exist). */
function slidersCodec(): Codec<PermalinkState['sliders']> {
  return {
    write: (sliders) => sliders.map((s) => `${s.direction}:${s.amount}`).join(','),
    read(raw, notices, fallback) {
      if (raw === '') return fallback;
      const out: PermalinkState['sliders'] = [];
      for (const entry of raw.split(',')) {
        const colon = entry.lastIndexOf(':');
        const direction = entry.slice(0, Math.max(0, colon));
        if (colon < 0 || !ID_PATTERN.test(direction)) {
          notices.add('A slider in the link has no valid direction id and was ignored.');
          continue;
        }
        if (out.some((s) => s.direction === direction)) {
          notices.add(`The slider "${direction}" appears more than once; the first one is used.`);
          continue;
        }
        if (out.length === MAX_SLIDERS) {
          notices.add(`The link has more than ${MAX_SLIDERS} sliders; the rest were ignored.`);
          break;
        }
        const amount = parseNumber(entry.slice(colon + 1), `amount of slider "${direction}"`, LIMITS.amount, NaN, notices);
        if (!Number.isNaN(amount)) out.push({ direction, amount: amount as number });
      }
      return out;
    },
  };
}

function panelsCodec(): Codec<PanelId[]> {
  return {
    write: (panels) => panels.join(','),
    read(raw, notices, fallback) {
      if (raw === '') return [];
      const out: PanelId[] = [];
      for (const name of raw.split(',')) {
        const panel = PANELS.find((p) => p === name);
        if (!panel) notices.add('The link names a panel that does not exist; it was left out.');
        else if (!out.includes(panel)) out.push(panel);
      }
      if (out.length) return out;
      notices.add('The link shows no known panel; the default layout is used.');
      return fallback;
    },
  };
}

const TRUST_COUNTS = ['images', 'labelled', 'inImages', 'outImages'] as const;
const TRUST_METRICS = ['accuracy', 'ece', 'auroc'] as const;
/** How each part of a trust summary is spelled in a link. */
const TRUST_KEYS: Record<Exclude<keyof TrustSummary, 'attack'>, string> = {
  images: 'n',
  labelled: 'lab',
  inImages: 'in',
  outImages: 'out',
  accuracy: 'acc',
  ece: 'ece',
  auroc: 'auroc',
};
/** The batch attack's parts of a trust summary (links before it have none). */
const TRUST_ATTACK_KEYS = { settings: 'a', attacked: 'an', successRate: 'asr', auroc: 'aauroc' } as const;

/** `n:401,lab:300,in:300,out:100,acc:0.98…,ece:0.05…,auroc:0.97…[,a:linf/8/10/2/none,an:300,asr:0.9…,aauroc:0.8…]`: metrics at full precision, a missing one left out. */
function trustCodec(): Codec<TrustSummary | null> {
  return {
    write: (t) => {
      if (!t) return null;
      const parts = (Object.keys(TRUST_KEYS) as (keyof typeof TRUST_KEYS)[]).flatMap((k) => (t[k] === null ? [] : [`${TRUST_KEYS[k]}:${t[k]}`]));
      const a = t.attack;
      if (a) {
        parts.push(
          `${TRUST_ATTACK_KEYS.settings}:${[a.norm, a.epsilon, a.steps, a.stepSize, a.target ?? 'none'].join('/')}`,
          `${TRUST_ATTACK_KEYS.attacked}:${a.attacked}`,
        );
        if (a.successRate !== null) parts.push(`${TRUST_ATTACK_KEYS.successRate}:${a.successRate}`);
        if (a.auroc !== null) parts.push(`${TRUST_ATTACK_KEYS.auroc}:${a.auroc}`);
      }
      return parts.join(',');
    },
    read(raw, notices) {
      const values = new Map(raw.split(',').map((part) => [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)] as const));
      const summary = { accuracy: null, ece: null, auroc: null, attack: null } as unknown as TrustSummary;
      let ok = true;
      for (const k of TRUST_COUNTS) {
        const v = Number(values.get(TRUST_KEYS[k]) ?? NaN);
        ok &&= isCount(v);
        summary[k] = v;
      }
      for (const k of TRUST_METRICS) {
        const text = values.get(TRUST_KEYS[k]);
        if (text === undefined) continue;
        summary[k] = unitNumber(text);
        ok &&= !Number.isNaN(summary[k]);
      }
      if (!ok) {
        notices.add("The trust report's metrics in the link are not in a known form and were ignored.");
        return null;
      }
      if (values.has(TRUST_ATTACK_KEYS.settings)) {
        summary.attack = readTrustAttack(values);
        if (!summary.attack) notices.add("The trust report's attack figures in the link are not in a known form and were ignored.");
      }
      return summary;
    },
  };
}

const isCount = (v: number) => Number.isInteger(v) && v >= 0 && v <= 1e9;
/** A number in [0, 1], NaN otherwise. */
const unitNumber = (text: string) => {
  const v = NUMBER_PATTERN.test(text) ? Number(text) : NaN;
  return v >= 0 && v <= 1 ? v : NaN;
};
const within = (v: number, [min, max, integer]: readonly [number, number, boolean]) => v >= min && v <= max && (!integer || Number.isInteger(v));

/** `norm/ε/steps/step size/target` and the figures, all valid, or null. */
function readTrustAttack(values: Map<string, string>): TrustSummary['attack'] {
  const [norm, epsilon, steps, stepSize, target, ...rest] = (values.get(TRUST_ATTACK_KEYS.settings) ?? '').split('/');
  const number = (text: string | undefined) => (text !== undefined && NUMBER_PATTERN.test(text) ? Number(text) : NaN);
  const attack = {
    norm: ATTACK_NORMS.find((n) => n === norm),
    epsilon: number(epsilon),
    steps: number(steps),
    stepSize: number(stepSize),
    target: target === 'none' ? null : number(target),
    attacked: number(values.get(TRUST_ATTACK_KEYS.attacked)),
    successRate: values.has(TRUST_ATTACK_KEYS.successRate) ? unitNumber(values.get(TRUST_ATTACK_KEYS.successRate) ?? '') : null,
    auroc: values.has(TRUST_ATTACK_KEYS.auroc) ? unitNumber(values.get(TRUST_ATTACK_KEYS.auroc) ?? '') : null,
  };
  const valid =
    rest.length === 0 &&
    attack.norm !== undefined &&
    within(attack.epsilon, LIMITS.epsilon) &&
    within(attack.steps, LIMITS.attackSteps) &&
    within(attack.stepSize, LIMITS.stepSize) &&
    (attack.target === null || within(attack.target, LIMITS.classIndex)) &&
    isCount(attack.attacked) &&
    !Number.isNaN(attack.successRate) &&
    !Number.isNaN(attack.auroc);
  return valid ? { ...attack, norm: attack.norm as AttackView['norm'] } : null;
}

/** How each attack setting is spelled in the `atk` field. */
const ATTACK_KEYS: Record<keyof AttackView, string> = { target: 'to', norm: 'norm', epsilon: 'eps', steps: 'steps', stepSize: 'step', searchAttacks: 'search' };

/** `to:none,norm:linf,eps:8,steps:10,step:2,search:6`: every part is checked on its own; a bad one keeps its default, with a notice. */
function attackCodec(): Codec<AttackView> {
  const numbers = {
    epsilon: ['attack ε', LIMITS.epsilon],
    steps: ['attack step count', LIMITS.attackSteps],
    stepSize: ['attack step size', LIMITS.stepSize],
    searchAttacks: ['attack ε search count', LIMITS.searchAttacks],
  } as const;
  return {
    write: (a) => (Object.keys(ATTACK_KEYS) as (keyof AttackView)[]).map((k) => `${ATTACK_KEYS[k]}:${k === 'target' ? (a.target ?? 'none') : a[k]}`).join(','),
    read(raw, notices, fallback) {
      const out = { ...fallback };
      for (const part of raw.split(',')) {
        const colon = part.indexOf(':');
        const [key, value] = [part.slice(0, Math.max(0, colon)), part.slice(colon + 1)];
        const k = (Object.keys(ATTACK_KEYS) as (keyof AttackView)[]).find((name) => ATTACK_KEYS[name] === key);
        if (colon < 0 || !k) {
          notices.add(
            ID_PATTERN.test(key) && key.length <= 32
              ? `The link's unknown attack setting "${key}" was ignored.`
              : 'An unreadable attack setting in the link was ignored.',
          );
          continue;
        }
        if (k === 'target') {
          const target = value === 'none' ? null : (parseNumber(value, 'attack target class', LIMITS.classIndex, NaN, notices) as number);
          if (!Number.isNaN(target)) out.target = target;
        } else if (k === 'norm') out.norm = enumCodec('attack norm', ATTACK_NORMS).read(value, notices, fallback.norm) as AttackView['norm'];
        else out[k] = parseNumber(value, numbers[k][0], numbers[k][1], fallback[k], notices) as number;
      }
      return out;
    },
  };
}

/** A number within limits: clamped when out of range (±Infinity included), the fallback when unreadable. */
function parseNumber<T>(
  raw: string,
  what: string,
  [min, max, integer]: readonly [number, number, boolean],
  fallback: number | T,
  notices: NoticeList,
): number | T {
  const value = NUMBER_PATTERN.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(value)) return invalid(what, fallback, notices);
  if (value < min || value > max) {
    const clamped = value < min ? min : max;
    notices.add(`The ${what} in the link is out of range; using ${clamped}.`);
    return clamped;
  }
  if (integer && !Number.isInteger(value)) return invalid(what, fallback, notices);
  return value === 0 ? 0 : value;
}

function invalid<T>(what: string, fallback: number | T, notices: NoticeList): number | T {
  notices.add(Number.isNaN(fallback) ? `The ${what} in the link is not a number and was ignored.` : `The ${what} in the link is not valid; using ${fallback}.`);
  return fallback;
}

/** How readImage's notices name the image and say what is lost. */
const IMAGE_ROLES = {
  image: { the: 'The', outcome: 'no image is shown' },
  interpolation: { the: "The interpolation's", outcome: 'no interpolation is shown' },
};

async function readImage(raw: string, notices: NoticeList, role: keyof typeof IMAGE_ROLES): Promise<PermalinkImage | null> {
  const { the, outcome } = IMAGE_ROLES[role];
  if (raw.startsWith('g:')) {
    const id = raw.slice(2);
    if (ID_PATTERN.test(id)) return { kind: 'gallery', id };
    notices.add(`${the} gallery image id in the link is not a valid id; ${outcome}.`);
    return null;
  }
  // e: the raw pixels deflated (links before version 1.1 of the form); p: row-filtered first.
  const m = /^([ep]):(\d{1,4})x(\d{1,4})x([13]):([A-Za-z0-9_-]*)$/.exec(raw);
  if (!m) {
    notices.add(`${the} image in the link is not in a known form; ${outcome}.`);
    return null;
  }
  const [filtered, width, height, channels] = [m[1] === 'p', Number(m[2]), Number(m[3]), Number(m[4]) as 1 | 3];
  if (width < 1 || height < 1 || width > MAX_EMBEDDED_SIDE || height > MAX_EMBEDDED_SIDE) {
    notices.add(`${the} embedded image's size is out of range (at most ${MAX_EMBEDDED_SIDE} pixels a side); ${outcome}.`);
    return null;
  }
  const packed = fromBase64Url(m[5]);
  const inflated = packed && (await inflateRawExactly(packed, (width * channels + (filtered ? 1 : 0)) * height));
  const pixels = inflated?.ok ? (filtered ? unfilterRows(inflated.bytes, width, height, channels) : inflated.bytes) : null;
  if (pixels) return { kind: 'embedded', width, height, channels, pixels };
  notices.add(
    inflated && !inflated.ok && inflated.problem === 'too-large'
      ? `${the} embedded image unpacks to more data than its size allows; ${outcome}.`
      : `${the} embedded image is damaged or cut short; ${outcome}.`,
  );
  return null;
}
