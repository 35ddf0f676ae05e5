import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTACK_NORMS } from '../src/explain/attack';
import { MAP_METHODS, MAP_OBJECTIVES } from '../src/explain/mapMethods';
import {
  defaultPermalinkState,
  ID_PATTERN,
  LIMITS,
  MAX_FRAGMENT_LENGTH,
  PANELS,
  type PermalinkImage,
  type PermalinkState,
  parsePermalink,
  SAMPLE_FILTERS,
  serializePermalink,
} from '../src/state/permalink';
import { deflateRaw, filterRows, fromBase64Url, inflateRawExactly, toBase64Url, unfilterRows } from '../src/state/permalinkCodec';

interface CorpusCase {
  name: string;
  fragment?: string;
  repeat?: { text: string; times: number };
  state: Record<string, unknown>;
  notices: string[];
}
const corpus = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus', 'permalinks.json'), 'utf8')) as { cases: CorpusCase[] };

/** A small deterministic generator (mulberry32), so failures reproduce. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[int(0, items.length - 1)];
  const id = () => {
    const first = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const rest = `${first}._-`;
    return pick([...first]) + Array.from({ length: int(0, 20) }, () => pick([...rest])).join('');
  };
  const inRange = ([min, max, integer]: readonly [number, number, boolean]) =>
    integer ? int(min, max) : pick([min, max, 0, min + next() * (max - min), Math.round(next() * 100) / 100]);
  return { next, int, pick, id, inRange };
}

function randomImage(g: ReturnType<typeof generator>): PermalinkImage | null {
  const kind = g.int(0, 3);
  if (kind === 0) return null;
  if (kind === 1) return { kind: 'gallery', id: g.id() };
  const [width, height] = [g.int(1, 48), g.int(1, 48)];
  const channels = g.pick([1, 3] as const);
  // Noise (compresses badly) or a drawing of few levels.
  const levels = g.pick([256, 2, 5]);
  const pixels = Uint8Array.from({ length: width * height * channels }, () => Math.floor((g.int(0, levels - 1) * 255) / Math.max(1, levels - 1)));
  return { kind: 'embedded', width, height, channels, pixels };
}

function randomState(seed: number): PermalinkState {
  const g = generator(seed);
  const directions = [...new Set(Array.from({ length: g.int(0, 6) }, () => g.id()))];
  return {
    model: g.next() < 0.2 ? null : g.id(),
    checkpoint: g.next() < 0.5 ? null : { file: g.id(), sha256: Array.from({ length: 64 }, () => g.int(0, 15).toString(16)).join('') },
    image: randomImage(g),
    target: g.next() < 0.3 ? 'predicted' : g.int(0, 999),
    contrast: g.pick(['predicted', 'mean', g.int(0, 99_999)] as const),
    latent: { from: g.next() < 0.3 ? 'predicted' : g.int(0, 999), toward: g.next() < 0.3 ? 'predicted' : g.int(0, 999) },
    compare: g.next() < 0.5 ? null : g.id(),
    map: {
      method: g.pick(MAP_METHODS),
      objective: g.pick(MAP_OBJECTIVES),
      steps: g.inRange(LIMITS.steps),
      patch: g.inRange(LIMITS.patch),
      stride: g.inRange(LIMITS.stride),
      fill: g.inRange(LIMITS.fill),
    },
    sliders: directions.map((direction) => ({ direction, amount: g.inRange(LIMITS.amount) })),
    sampling: {
      target: g.next() < 0.3 ? 'predicted' : g.int(0, 999),
      seed: g.inRange(LIMITS.seed),
      count: g.inRange(LIMITS.count),
      temperature: g.inRange(LIMITS.temperature),
      keep: g.pick(SAMPLE_FILTERS),
    },
    panels: PANELS.filter(() => g.next() < 0.6).sort(() => g.next() - 0.5),
    interpolateTo: randomImage(g),
    trust:
      g.next() < 0.5
        ? null
        : {
            images: g.int(0, 1e6),
            labelled: g.int(0, 1e6),
            inImages: g.int(0, 1e6),
            outImages: g.int(0, 1e6),
            accuracy: g.next(),
            ece: g.next() < 0.3 ? null : g.next(),
            auroc: g.next(),
            attack:
              g.next() < 0.3
                ? null
                : {
                    norm: g.pick(ATTACK_NORMS),
                    epsilon: g.inRange(LIMITS.epsilon),
                    steps: g.inRange(LIMITS.attackSteps),
                    stepSize: g.pick([LIMITS.stepSize[0], LIMITS.stepSize[1], 1e-6 + g.next() * 100]),
                    target: g.next() < 0.5 ? null : g.int(0, 999),
                    attacked: g.int(0, 1e6),
                    successRate: g.next() < 0.2 ? null : g.next(),
                    auroc: g.next() < 0.2 ? null : g.next(),
                  },
          },
    attack: {
      target: g.next() < 0.5 ? null : g.int(0, 999),
      norm: g.pick(ATTACK_NORMS),
      epsilon: g.inRange(LIMITS.epsilon),
      steps: g.inRange(LIMITS.attackSteps),
      stepSize: g.pick([LIMITS.stepSize[0], LIMITS.stepSize[1], 1e-6 + g.next() * 100]),
      searchAttacks: g.inRange(LIMITS.searchAttacks),
    },
  };
}

/** Every string a parsed link hands out is an id or one of the enums: nothing else can carry markup. */
function expectSanitised(state: PermalinkState, notices: string[]): void {
  const strings: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk);
  };
  walk(state);
  const enums = new Set<string>([...ATTACK_NORMS, ...MAP_METHODS, ...MAP_OBJECTIVES, ...PANELS, ...SAMPLE_FILTERS, 'predicted', 'mean', 'gallery', 'embedded']);
  for (const s of strings) expect(ID_PATTERN.test(s) || enums.has(s), s).toBe(true);
  for (const n of notices) expect(n).not.toMatch(/[<>]|script/i);
}

describe('permalink round trip', () => {
  it('the default state is the empty link with a version', async () => {
    const s = await serializePermalink(defaultPermalinkState());
    expect(s).toEqual({ ok: true, fragment: 'v=2' });
    expect(await parsePermalink('#v=2')).toEqual({ state: defaultPermalinkState(), notices: [] });
  });

  it('restores 300 random states exactly, gallery and embedded images alike', async () => {
    let embedded = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const state = randomState(seed);
      const serialized = await serializePermalink(state);
      if (!serialized.ok) throw new Error(`state ${seed}: ${serialized.message}`);
      expect(serialized.fragment.length).toBeLessThanOrEqual(MAX_FRAGMENT_LENGTH);
      const parsed = await parsePermalink(`#${serialized.fragment}`);
      expect(parsed.notices, `state ${seed}`).toEqual([]);
      expect(parsed.state, `state ${seed}`).toEqual(state);
      const again = await serializePermalink(parsed.state);
      expect(again).toEqual(serialized);
      if (state.image?.kind === 'embedded') embedded++;
    }
    expect(embedded).toBeGreaterThan(100);
  });

  it('embeds a photo-like 224×224 image bit for bit; row filters make it far shorter than raw deflate', async () => {
    const g = generator(3);
    // Smooth shading, edges and sensor noise of ±3 levels: what a downscaled photo looks like to deflate.
    const photo = new Uint8Array(224 * 224 * 3);
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++)
        for (let c = 0; c < 3; c++) {
          const shade = 128 + 80 * Math.sin(x / 23 + c) * Math.cos(y / 31) + (x > 120 && y < 90 ? 40 : 0);
          photo[(y * 224 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(shade + g.int(-3, 3))));
        }
    const image: PermalinkImage = { kind: 'embedded', width: 224, height: 224, channels: 3, pixels: photo };
    const serialized = await serializePermalink({ ...defaultPermalinkState(), image });
    if (!serialized.ok) throw new Error(serialized.message);
    expect((await parsePermalink(serialized.fragment)).state.image).toEqual(image);
    const raw = toBase64Url(await deflateRaw(photo)).length;
    console.log(`224² photo-like image in a link: ${serialized.fragment.length} characters (raw deflate: ${raw})`);
    expect(serialized.fragment.length).toBeLessThan(0.8 * raw);
    expect(unfilterRows(filterRows(photo, 224, 224, 3), 224, 224, 3)).toEqual(photo);
    // Links written before the row filters (e:) still read.
    const old = `v=1&img=e:224x224x3:${toBase64Url(await deflateRaw(photo))}`;
    expect((await parsePermalink(old)).state.image).toEqual(image);
  });

  it('embeds a simple drawing at 224×224 but refuses a 512² noise image as too large', async () => {
    const drawing = new Uint8Array(224 * 224 * 3).fill(255);
    for (let i = 0; i < 224; i++) drawing.fill(0, (i * 224 + 100) * 3, (i * 224 + 110) * 3);
    const state = { ...defaultPermalinkState(), image: { kind: 'embedded', width: 224, height: 224, channels: 3, pixels: drawing } as PermalinkImage };
    const ok = await serializePermalink(state);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect((await parsePermalink(ok.fragment)).state).toEqual(state);

    const noise = generator(7);
    const photo = Uint8Array.from({ length: 512 * 512 * 3 }, () => noise.int(0, 255));
    const tooLarge = await serializePermalink({ ...state, image: { kind: 'embedded', width: 512, height: 512, channels: 3, pixels: photo } });
    expect(tooLarge.ok).toBe(false);
    if (!tooLarge.ok) {
      expect(tooLarge.reason).toBe('too-large');
      expect(tooLarge.length).toBeGreaterThan(MAX_FRAGMENT_LENGTH);
      expect(tooLarge.message).toMatch(/too large to embed/);
    }
  });

  it("carries the calibration panel and the interpolation's second image, gallery or embedded", async () => {
    const drawing = new Uint8Array(28 * 28).fill(0);
    drawing.fill(255, 300, 340);
    const state: PermalinkState = {
      ...defaultPermalinkState(),
      image: { kind: 'gallery', id: 'rings' },
      interpolateTo: { kind: 'embedded', width: 28, height: 28, channels: 1, pixels: drawing },
      panels: ['calibration', 'interpolation'],
    };
    const serialized = await serializePermalink(state);
    if (!serialized.ok) throw new Error(serialized.message);
    expect(serialized.fragment).toMatch(/^v=2&img=g:rings&img2=p:28x28x1:[\w-]+&panels=calibration,interpolation$/);
    expect(await parsePermalink(serialized.fragment)).toEqual({ state, notices: [] });
    const gallery = { ...state, interpolateTo: { kind: 'gallery', id: 'disc' } as PermalinkImage };
    const again = await serializePermalink(gallery);
    expect(again).toEqual({ ok: true, fragment: 'v=2&img=g:rings&img2=g:disc&panels=calibration,interpolation' });
  });

  it('refuses to write an image whose bytes do not match its size', async () => {
    const image: PermalinkImage = { kind: 'embedded', width: 4, height: 4, channels: 3, pixels: new Uint8Array(5) };
    await expect(serializePermalink({ ...defaultPermalinkState(), image })).rejects.toThrow(/needs 48 bytes/);
  });
});

describe('panel classes and the comparison in links', () => {
  const read = async (fragment: string) => (await parsePermalink(fragment)).state;

  it('opens a version-1 link, whose map, latent editor and samples shared one class, with that class in all three', async () => {
    expect(await read('v=1&a=6&b=2')).toMatchObject({ target: 6, contrast: 2, latent: { from: 6, toward: 2 }, sampling: { target: 6 } });
    // "toward" needs a class: the mean contrast led the sliders to the runner-up, which 'predicted' names.
    expect(await read('v=1&a=6&b=mean')).toMatchObject({ target: 6, contrast: 'mean', latent: { from: 6, toward: 'predicted' }, sampling: { target: 6 } });
    expect(await read('v=1&model=mnist-beta2')).toMatchObject({
      target: 'predicted',
      latent: { from: 'predicted', toward: 'predicted' },
      sampling: { target: 'predicted' },
    });
  });

  it('keeps the classes apart in version-2 links', async () => {
    const state = defaultPermalinkState();
    Object.assign(state, { target: 6, contrast: 'mean', latent: { from: 'predicted', toward: 3 }, compare: 'mnist-beta16' });
    state.sampling.target = 1;
    const written = await serializePermalink(state);
    if (!written.ok) throw new Error(written.message);
    expect(written.fragment).toBe('v=2&a=6&b=mean&to=3&cmp=mnist-beta16&sample=1');
    expect(await parsePermalink(written.fragment)).toEqual({ state, notices: [] });
    expect(await read('v=2&a=6')).toMatchObject({ target: 6, latent: { from: 'predicted', toward: 'predicted' }, sampling: { target: 'predicted' } });
  });

  it('ignores a compared model id that is not an id, and a class word a panel does not have', async () => {
    const { state, notices } = await parsePermalink('v=2&cmp=<b>x</b>&to=mean&sample=-1');
    expect(state).toMatchObject({ compare: null, latent: { toward: 'predicted' }, sampling: { target: 0 } });
    expect(notices).toEqual([
      "The latent editor's toward class in the link is not valid; using predicted.",
      'The compared model id in the link is not a valid id and was ignored.',
      "The samples' class in the link is out of range; using 0.",
    ]);
  });
});

describe('permalink codecs', () => {
  it('base64url round-trips every length and rejects other alphabets', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) % 256);
      const text = toBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(fromBase64Url('ab+/')).toBeNull();
    expect(fromBase64Url('abcde')).toBeNull();
  });

  it('stops inflating at the declared size', async () => {
    const bomb = new Uint8Array(
      await new Response(new Blob([new Uint8Array(1 << 22)]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer(),
    );
    expect(await inflateRawExactly(bomb, 1000)).toEqual({ ok: false, problem: 'too-large' });
    expect((await inflateRawExactly(bomb, 1 << 22)).ok).toBe(true);
  });
});

describe('hostile fragments (tests/corpus/permalinks.json)', () => {
  it.each(corpus.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const fragment = c.fragment ?? c.repeat!.text.repeat(c.repeat!.times);
    const parsed = await parsePermalink(fragment);
    expect(parsed.state).toMatchObject(c.state);
    expect(parsed.notices.length, parsed.notices.join(' | ')).toBe(c.notices.length);
    for (const [i, text] of c.notices.entries()) expect(parsed.notices[i]).toContain(text);
    expectSanitised(parsed.state, parsed.notices);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws, whatever it is given', async () => {
    const g = generator(99);
    const alphabet = [...'abv=&%:,.-_0123456789eE+<>#x\u0000\u00e9\ud83d'];
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: g.int(0, 80) }, () => g.pick(alphabet)).join('');
      const parsed = await parsePermalink(text);
      expectSanitised(parsed.state, parsed.notices);
    }
    for (const odd of [null, undefined, 42, {}, []]) {
      const parsed = await parsePermalink(odd as unknown as string);
      expect(parsed.state).toEqual(defaultPermalinkState());
      expect(parsed.notices.length).toBe(1);
    }
  });

  it('caps the number of notices', async () => {
    const parsed = await parsePermalink(Array.from({ length: 100 }, (_, i) => `k${i}=1`).join('&'));
    expect(parsed.notices.length).toBe(21);
    expect(parsed.notices[20]).toMatch(/and 81 more problems/);
  });
});
