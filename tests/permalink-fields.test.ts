import { describe, expect, it } from 'vitest';
import { defaultPermalinkState, PERMALINK_KEYS, type PermalinkState, parsePermalink, serializePermalink } from '../src/state/permalink';

/** One non-default value per link key. */
const changes: Record<string, (s: PermalinkState) => void> = {
  model: (s) => (s.model = 'mnist-beta2'),
  ckpt: (s) => (s.checkpoint = { file: 'beta_8.avg.pt', sha256: 'ab'.repeat(32) }),
  img: (s) => (s.image = { kind: 'gallery', id: 'digit-3' }),
  img2: (s) => (s.interpolateTo = { kind: 'embedded', width: 2, height: 1, channels: 1, pixels: Uint8Array.of(0, 255) }),
  a: (s) => (s.target = 7),
  b: (s) => (s.contrast = 'mean'),
  from: (s) => (s.latent.from = 3),
  to: (s) => (s.latent.toward = 8),
  cmp: (s) => (s.compare = 'mnist-beta16'),
  map: (s) => (s.map.method = 'occlusion'),
  f: (s) => (s.map.objective = 'contrast'),
  steps: (s) => (s.map.steps = 128),
  patch: (s) => (s.map.patch = 16),
  stride: (s) => (s.map.stride = 2),
  fill: (s) => (s.map.fill = -1.5),
  dir: (s) =>
    (s.sliders = [
      { direction: 'pc-0', amount: -0.25 },
      { direction: 'toward-3', amount: 1 },
    ]),
  sample: (s) => (s.sampling.target = 5),
  seed: (s) => (s.sampling.seed = 42),
  n: (s) => (s.sampling.count = 9),
  temp: (s) => (s.sampling.temperature = 0.5),
  keep: (s) => (s.sampling.keep = 'all'),
  panels: (s) => (s.panels = ['map', 'input']),
  trust: (s) =>
    (s.trust = {
      images: 401,
      labelled: 300,
      inImages: 300,
      outImages: 100,
      accuracy: 0.9833333333333333,
      ece: 0.05203691549788205,
      auroc: null,
      attack: { norm: 'l2', epsilon: 400, steps: 10, stepSize: 100, target: 3, attacked: 360, successRate: 0.8305555555555556, auroc: 0.9123 },
    }),
  atk: (s) => (s.attack = { target: 7, norm: 'l2', epsilon: 12.5, steps: 40, stepSize: 0.75, searchAttacks: 0 }),
};

const keysOf = (fragment: string) => fragment.split('&').map((part) => part.slice(0, part.indexOf('=')));

describe('permalink fields', () => {
  it('has a test value for every key a link may hold', () => {
    expect(['v', ...Object.keys(changes)]).toEqual(PERMALINK_KEYS);
  });

  it.each(Object.entries(changes))('writes only "%s" when only it differs from the default, and reads it back', async (key, change) => {
    const state = defaultPermalinkState();
    change(state);
    const serialized = await serializePermalink(state);
    if (!serialized.ok) throw new Error(serialized.message);
    expect(keysOf(serialized.fragment)).toEqual(['v', key]);
    expect(await parsePermalink(serialized.fragment)).toEqual({ state, notices: [] });
  });

  it('writes every changed field in the table order', async () => {
    const state = defaultPermalinkState();
    for (const change of Object.values(changes)) change(state);
    const serialized = await serializePermalink(state);
    if (!serialized.ok) throw new Error(serialized.message);
    expect(keysOf(serialized.fragment)).toEqual(PERMALINK_KEYS);
    expect(await parsePermalink(serialized.fragment)).toEqual({ state, notices: [] });
  });

  it('leaves out values equal to the default, -0 included', async () => {
    const state = defaultPermalinkState();
    state.map.fill = -0;
    state.panels = [...state.panels];
    expect(await serializePermalink(state)).toEqual({ ok: true, fragment: 'v=2' });
  });

  it('hands out a fresh default each time', () => {
    const first = defaultPermalinkState();
    first.panels.push('interpolation');
    first.map.steps = 1;
    expect(defaultPermalinkState().panels).not.toContain('interpolation');
    expect(defaultPermalinkState().map.steps).toBe(64);
  });
});
