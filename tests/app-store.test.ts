import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifierResult } from '../src/flow/classifier';
import type { ModelIndexEntry, ModelSpec } from '../src/formats/modelSpec';
import { type AppStore, createAppStore } from '../src/state/appStore';
import { SupersededError } from '../src/worker/client';
import type { Classification, Reconstruction } from '../src/worker/protocol';
import { FakeClient } from './helpers/fakeClient';

const BASE = 'https://lens.test/app/';
const MODELS: ModelIndexEntry[] = [
  { id: 'a', name: 'Model A', path: 'models/a', bytes: 100 },
  { id: 'b', name: 'Model B', path: 'models/b', bytes: 200 },
];

const spec = (id: string) => ({ id, classes: ['cat', 'dog'], input: { channels: 3, height: 2, width: 2 } }) as unknown as ModelSpec;
const classification = (p: number): Classification => ({
  result: { classes: 2, posterior: new Float32Array([p, 1 - p]) } as unknown as ClassifierResult,
  input: { width: 1, height: 1, rgba: new Uint8ClampedArray(4) },
  pixels: null,
  notes: [],
  backend: 'cpu',
  timing: { totalMs: 1, forwardMs: 1 },
});
const reconstruction = (maxError: number): Reconstruction => ({
  image: { width: 1, height: 1, rgba: new Uint8ClampedArray(4) },
  error: new Float32Array([maxError]),
  maxError,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('app store', () => {
  let client: FakeClient;
  let store: AppStore;

  beforeEach(async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ models: MODELS })));
    client = new FakeClient();
    store = createAppStore(client, BASE);
    const started = store.getState().start();
    await settle();
    client.last('init').resolve({ name: 'webgl', skipped: [] });
    await settle();
    const load = client.last('load');
    load.onProgress!(40, 100);
    expect(store.getState().loading).toMatchObject({ loadedBytes: 40, totalBytes: 100 });
    load.resolve(spec('a'));
    await started;
  });
  afterEach(() => vi.unstubAllGlobals());

  it('starts with the first model of the index, served below the base URL', () => {
    expect(client.last('init').args).toEqual({ wasmPaths: `${BASE}tfjs-wasm/` });
    expect(client.last('load').args).toEqual({ modelUrl: `${BASE}models/a/` });
    expect(store.getState()).toMatchObject({ backend: { name: 'webgl' }, model: { entry: { ...MODELS[0], origin: 'bundled' } }, loading: null, error: null });
  });

  it('shows an error inline and keeps the current view', async () => {
    const image = new Blob(['png'], { type: 'image/png' });
    const first = store.getState().chooseInput(image, 'cat.png');
    client.last('classify').resolve(classification(0.9));
    await first;
    const shown = store.getState();
    const second = store.getState().chooseInput(new Blob(['text'], { type: 'text/plain' }), 'notes.txt');
    client.last('classify').reject(new Error('“notes.txt” is not an image'));
    await second;
    expect(store.getState()).toMatchObject({
      error: '“notes.txt” is not an image',
      input: shown.input,
      classification: shown.classification,
      classifying: false,
    });
  });

  it('shows only the latest input, whatever order the answers come in', async () => {
    const first = store.getState().chooseInput(new Blob(['1']), 'one.png');
    const firstCall = client.last('classify');
    const second = store.getState().chooseInput(new Blob(['2']), 'two.png');
    client.last('classify').resolve(classification(0.2));
    firstCall.resolve(classification(0.7));
    await Promise.all([first, second]);
    expect(store.getState().input?.name).toBe('two.png');
    expect(store.getState().classification?.result.posterior[0]).toBeCloseTo(0.2);
  });

  it('shows the posteriors before the reconstruction, which it asks for next; a newer image drops the older one', async () => {
    const first = store.getState().chooseInput(new Blob(['1']), 'one.png');
    client.last('classify').resolve(classification(0.3));
    await first;
    expect(store.getState()).toMatchObject({ input: { name: 'one.png' }, reconstruction: null });
    const reconstructions = client.calls.filter((c) => c.type === 'reconstruct');
    expect(reconstructions).toHaveLength(1);
    const pending = reconstructions[0];
    const second = store.getState().chooseInput(new Blob(['2']), 'two.png');
    client.last('classify').resolve(classification(0.4));
    await second;
    pending.resolve(reconstruction(0.5));
    await settle();
    expect(store.getState().reconstruction).toBeNull();
    client.last('reconstruct').resolve(reconstruction(1e-6));
    await settle();
    expect(store.getState().reconstruction?.maxError).toBe(1e-6);
  });

  it('ignores a superseded request', async () => {
    const pending = store.getState().chooseInput(new Blob(['1']), 'one.png');
    client.last('classify').reject(new SupersededError());
    await pending;
    expect(store.getState().error).toBeNull();
  });

  it('classifies the current input again with a newly chosen model', async () => {
    const chosen = store.getState().chooseInput(new Blob(['1']), 'one.png');
    client.last('classify').resolve(classification(0.6));
    await chosen;
    const switching = store.getState().selectModel('b');
    expect(store.getState().loading?.entry.id).toBe('b');
    client.last('load').resolve(spec('b'));
    await settle();
    expect(store.getState()).toMatchObject({ model: { entry: { id: 'b' } }, classification: null, loading: null });
    expect(client.last('classify').args).toMatchObject({ input: { kind: 'file', name: 'one.png' } });
    client.last('classify').resolve(classification(0.1));
    await switching;
    expect(store.getState().classification?.result.posterior[0]).toBeCloseTo(0.1);
  });

  it('keeps the loaded model when another fails to load', async () => {
    const switching = store.getState().selectModel('b');
    client.last('load').reject(new Error('HTTP 404'));
    await switching;
    expect(store.getState()).toMatchObject({ model: { entry: { id: 'a' } }, loading: null, error: 'Model B could not be loaded: HTTP 404' });
  });

  it('leaves an interpolation image out of a copied link when it is too large to embed, and says so', async () => {
    const pixels = (side: number, value: (i: number) => number) => ({
      width: side,
      height: side,
      channels: 3 as const,
      pixels: Uint8Array.from({ length: side * side * 3 }, (_, i) => value(i)),
    });
    const chosen = store.getState().chooseInput(new Blob(['1']), 'one.png');
    client.last('classify').resolve({ ...classification(0.6), pixels: pixels(2, () => 7) });
    await chosen;
    const interpolating = store.getState().interpolateWith({ file: new Blob(['2']), name: 'photo.png' });
    await settle();
    // Noise does not compress: 512² × 3 bytes are more than a link holds.
    let state = 1;
    const noise = () => {
      state = (state * 48271) % 2147483647;
      return state & 255;
    };
    client.last('interpolate').resolve({ images: [], predicted: [], second: pixels(512, noise) });
    await interpolating;
    await store.getState().copyPermalink();
    const { linkStatus } = store.getState();
    expect(linkStatus?.message).toMatch(/second image is too large to embed/);
    expect(linkStatus?.href).toContain('img=p:2x2x3:');
    expect(linkStatus?.href).not.toContain('img2');
  });
});

describe('app store, when the start fails', () => {
  let client: FakeClient;
  let store: AppStore;

  beforeEach(() => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ models: MODELS })));
    client = new FakeClient();
    store = createAppStore(client, BASE, { backends: ['wasm'] });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('says which backend could not start and why, and loads no model', async () => {
    const started = store.getState().start();
    await settle();
    const failure = 'the wasm backend could not be started: Make sure the server can serve the `.wasm` file';
    client.last('init').reject(new Error(failure));
    await started;
    expect(store.getState()).toMatchObject({ backend: null, backendFailure: failure, model: null, loading: null, models: [] });
    expect(store.getState().error).toBe(`No model can run in this browser: ${failure}`);
    expect(client.calls.map((c) => c.type)).toEqual(['init']);
  });

  it('keeps no half-loaded model when the first load fails', async () => {
    const started = store.getState().start();
    await settle();
    client.last('init').resolve({ name: 'wasm', skipped: [] });
    await settle();
    client.last('load').reject(new Error('model.json: HTTP 404'));
    await started;
    expect(store.getState()).toMatchObject({ model: null, loading: null, classification: null, error: 'Model A could not be loaded: model.json: HTTP 404' });
    expect(client.calls.map((c) => c.type)).toEqual(['init', 'load']);
  });
});
