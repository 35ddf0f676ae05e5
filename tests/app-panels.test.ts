import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClassifierResult } from '../src/flow/classifier';
import type { ModelIndexEntry, ModelSpec } from '../src/formats/modelSpec';
import type { AppEnvironment } from '../src/state/appState';
import { type AppStore, createAppStore } from '../src/state/appStore';
import type { InferenceCalls } from '../src/worker/client';
import type { Calls, CallType, Classification } from '../src/worker/protocol';

const BASE = 'https://lens.test/app/';
const MODELS: ModelIndexEntry[] = [
  { id: 'a', name: 'Model A', path: 'models/a', bytes: 100 },
  { id: 'b', name: 'Model B', path: 'models/b', bytes: 200 },
];
const GALLERY = { images: [{ id: 'g1', title: 'G one', file: 'g1.png', models: ['any'], credit: 'test' }] };

const spec = (id: string) =>
  ({ id, name: `Model ${id.toUpperCase()}`, classes: ['cat', 'dog', 'owl'], input: { channels: 3, height: 2, width: 2 }, card: {} }) as unknown as ModelSpec;
/** p(cat) = 0.7, p(dog) = 0.2, p(owl) = 0.1: predicted cat, runner-up dog. */
const classification = (): Classification => ({
  result: { classes: 3, posterior: new Float32Array([0.7, 0.2, 0.1]) } as unknown as ClassifierResult,
  input: { width: 1, height: 1, rgba: new Uint8ClampedArray(4) },
  pixels: null,
  notes: [],
  backend: 'cpu',
  timing: { totalMs: 1, forwardMs: 1 },
});

/** Answers every call at once with a fixed result and records it. */
class AnsweringClient implements InferenceCalls {
  calls: { type: CallType; args: unknown }[] = [];
  async call<K extends CallType>(type: K, args: Calls[K]['args']): Promise<Calls[K]['result']> {
    this.calls.push({ type, args });
    const answers: Partial<Record<CallType, () => unknown>> = {
      init: () => ({ name: 'cpu', skipped: [] }),
      load: () => spec((args as { modelUrl: string }).modelUrl.split('/').at(-2)!),
      classify: classification,
      compare: () => ({ spec: spec('b'), classification: classification() }),
      sample: () => ({ images: [], predicted: [] }),
      map: () => ({}),
      latentGuide: () => ({}),
      edit: () => ({}),
    };
    return answers[type]?.() as Calls[K]['result'];
  }
  /** The calls of these types since `from`. */
  since(from: number, ...types: CallType[]): { type: CallType; args: unknown }[] {
    return this.calls.slice(from).filter((c) => types.includes(c.type));
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

function serve(extra: Record<string, () => Response> = {}) {
  vi.stubGlobal('fetch', async (url: string) => {
    if (url.endsWith('models/index.json')) return new Response(JSON.stringify({ models: MODELS }));
    if (url.endsWith('gallery/index.json')) return new Response(JSON.stringify(GALLERY));
    if (url.endsWith('gallery/g1.png')) return new Response(new Blob(['png'], { type: 'image/png' }));
    const answer = extra[url];
    if (answer) return answer();
    throw new TypeError('Failed to fetch');
  });
}

async function open(fragment = '', env: Partial<AppEnvironment> = {}): Promise<{ store: AppStore; client: AnsweringClient }> {
  const client = new AnsweringClient();
  const store = createAppStore(client, BASE, { fragment, ...env });
  await store.getState().start();
  await settle();
  return { store, client };
}

afterEach(() => vi.unstubAllGlobals());

describe('each panel has its own class', () => {
  it('changing the map class leaves the latent editor and the samples on theirs, and the other way round', async () => {
    serve();
    const { store, client } = await open();
    expect(client.since(0, 'latentGuide').at(-1)?.args).toMatchObject({ a: 0, b: 1 });
    expect(client.since(0, 'sample').at(-1)?.args).toMatchObject({ classIndex: 0 });

    let from = client.calls.length;
    store.getState().setMapClasses({ target: 2, contrast: 'mean' });
    await settle();
    expect(client.since(from, 'map', 'latentGuide', 'edit', 'sample').map((c) => c.type)).toEqual(['map']);
    expect(client.since(from, 'map')[0].args).toMatchObject({ request: { target: 2, contrast: 'mean' } });
    expect(store.getState().view).toMatchObject({
      target: 2,
      contrast: 'mean',
      latent: { from: 'predicted', toward: 'predicted' },
      sampling: { target: 'predicted' },
    });

    from = client.calls.length;
    store.getState().setLatentClasses({ from: 1 });
    await settle();
    expect(client.since(from, 'map', 'latentGuide', 'edit', 'sample').map((c) => c.type)).toEqual(['latentGuide', 'edit']);
    // The most probable class other than dog is cat.
    expect(client.since(from, 'latentGuide')[0].args).toMatchObject({ a: 1, b: 0 });
    expect(client.since(from, 'edit')[0].args).toMatchObject({ from: 1 });

    from = client.calls.length;
    store.getState().setSampling({ target: 2 });
    await settle();
    expect(client.since(from, 'map', 'latentGuide', 'edit', 'sample').map((c) => c.type)).toEqual(['sample']);
    expect(client.since(from, 'sample')[0].args).toMatchObject({ classIndex: 2 });
    expect(store.getState().view).toMatchObject({ target: 2, latent: { from: 1 }, sampling: { target: 2 } });
  });

  it('showing or hiding a panel asks the worker for nothing and keeps every explanation', async () => {
    serve();
    const written: string[] = [];
    const { store, client } = await open('', { writeFragment: (f) => written.push(f) });
    const shown = { map: store.getState().map, samples: store.getState().samples, guide: store.getState().guide };
    const from = client.calls.length;
    store.getState().setPanels(['input', 'posterior', 'interpolation']);
    await new Promise((r) => setTimeout(r, 400));
    expect(client.calls.slice(from)).toEqual([]);
    expect(store.getState()).toMatchObject(shown);
    expect(written.at(-1)).toMatch(/&panels=input,posterior,interpolation(&|$)/);
  });

  it('writes each class into the link under its own key', async () => {
    serve();
    const written: string[] = [];
    const { store } = await open('', { writeFragment: (f) => written.push(f) });
    store.getState().setMapClasses({ target: 2 });
    store.getState().setLatentClasses({ toward: 2 });
    store.getState().setSampling({ target: 1 });
    await new Promise((r) => setTimeout(r, 400));
    expect(written.at(-1)).toMatch(/^v=2&model=a&img=g:g1&a=2&to=2&sample=1(&|$)/);
  });

  it('rewrites the address bar only once no worker request runs: a long link costs the page a long task', async () => {
    serve();
    const written: string[] = [];
    let releaseMap = () => {};
    const client = new AnsweringClient();
    const answer = client.call.bind(client);
    client.call = (async (type, args) => {
      if (type === 'map') await new Promise<void>((release) => (releaseMap = release));
      return answer(type, args);
    }) as InferenceCalls['call'];
    const store = createAppStore(client, BASE, { fragment: '', writeFragment: (f) => written.push(f) });
    await store.getState().start();
    await settle();
    releaseMap();
    await new Promise((r) => setTimeout(r, 400));
    expect(written.at(-1)).toMatch(/^v=2&model=a&img=g:g1/);
    // The new map runs for longer than the address bar's delay: the address waits for it.
    store.getState().setMapClasses({ target: 2 });
    await new Promise((r) => setTimeout(r, 400));
    expect(written.at(-1)).not.toContain('a=2');
    releaseMap();
    await settle();
    expect(written.at(-1)).toMatch(/&a=2(&|$)/);
  });

  it('opens a link written before the panels had their own classes with the class it shared', async () => {
    serve();
    const { store, client } = await open('#v=1&model=a&img=g:g1&a=2&b=mean');
    expect(store.getState().view).toMatchObject({ target: 2, contrast: 'mean', latent: { from: 2, toward: 'predicted' }, sampling: { target: 2 } });
    expect(client.since(0, 'latentGuide').at(-1)?.args).toMatchObject({ a: 2, b: 0 });
    expect(client.since(0, 'sample').at(-1)?.args).toMatchObject({ classIndex: 2 });
    expect(store.getState().linkNotices).toEqual([]);
  });

  it('clamps every panel class a link names beyond the model, naming the panel', async () => {
    serve();
    const { store } = await open('#v=2&model=a&img=g:g1&from=7&sample=9');
    expect(store.getState().view).toMatchObject({ target: 'predicted', latent: { from: 2 }, sampling: { target: 2 } });
    expect(store.getState().linkNotices).toEqual([
      "The latent editor's class in the link (7) is not a class of this model; using 2.",
      "The samples' class in the link (9) is not a class of this model; using 2.",
    ]);
  });
});

describe('comparison in the link', () => {
  it('opens the compared model beside the loaded one and keeps it in the link', async () => {
    serve();
    const written: string[] = [];
    const { store, client } = await open('#v=2&model=a&img=g:g1&cmp=b', { writeFragment: (f) => written.push(f) });
    expect(client.since(0, 'compare')).toHaveLength(1);
    expect(client.since(0, 'compare')[0].args).toMatchObject({ model: { modelUrl: `${BASE}models/b/` }, input: { kind: 'file', name: 'g1.png' } });
    expect(store.getState().comparison).toMatchObject({ modelId: 'b', task: { status: 'done' } });
    await store.getState().compareWith(null);
    await new Promise((r) => setTimeout(r, 400));
    expect(written.at(-1)).not.toContain('cmp=');
    await store.getState().compareWith('b');
    await new Promise((r) => setTimeout(r, 400));
    expect(written.at(-1)).toContain('&cmp=b');
  });

  it('says so when the compared model is not here, and shows the rest of the view', async () => {
    serve();
    const { store, client } = await open('#v=2&model=a&img=g:g1&cmp=beta-404');
    expect(client.since(0, 'compare')).toEqual([]);
    expect(store.getState().comparison.modelId).toBeNull();
    expect(store.getState().linkNotices).toEqual([
      'The model to compare with in the link ("beta-404") is not available here; no comparison is shown, the rest of the view is.',
    ]);
    expect(store.getState()).toMatchObject({ model: { entry: { id: 'a' } }, input: { galleryId: 'g1' }, error: null });
  });

  it('refuses to compare a model with itself', async () => {
    serve();
    const { store, client } = await open('#v=2&model=a&img=g:g1&cmp=a');
    expect(client.since(0, 'compare')).toEqual([]);
    expect(store.getState().linkNotices).toEqual(['The link compares Model A with itself; no comparison is shown.']);
  });
});

describe('dropped inputs', () => {
  const png = (name: string) => new File(['png'], name, { type: 'image/png' });

  it('explains the first of several dropped files and says so', async () => {
    serve();
    const { store, client } = await open();
    const from = client.calls.length;
    await store.getState().dropInput({ files: [png('a.png'), png('b.png')], text: null, how: 'dropped' });
    expect(client.since(from, 'classify').map((c) => c.args)).toEqual([{ input: { kind: 'file', file: expect.any(File), name: 'a.png' } }]);
    expect(store.getState().inputNotice).toEqual({
      ok: true,
      message: '2 files dropped; explaining a.png, the first. Use one file at a time to explain another.',
    });
    await store.getState().dropInput({ files: [png('c.png')], text: null, how: 'dropped' });
    expect(store.getState().inputNotice).toBeNull();
  });

  it('says that pasted text which is not a link is not an image', async () => {
    serve();
    const { store, client } = await open();
    const from = client.calls.length;
    await store.getState().dropInput({ files: [], text: 'a seven, I think', how: 'pasted' });
    expect(client.since(from, 'classify')).toEqual([]);
    expect(store.getState().inputNotice).toEqual({
      ok: false,
      message: 'The pasted text is not an image or an image URL: use an image file, or a link to an image (http or https).',
    });
  });

  it('fetches a dropped image link and explains it under its file name', async () => {
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 8, 0, 0, 0, 8, 8, 6, 0, 0, 0]);
    serve({ 'https://img.test/cats/seven.png': () => new Response(bytes, { headers: { 'content-type': 'image/png' } }) });
    const { store, client } = await open();
    const from = client.calls.length;
    await store.getState().dropInput({ files: [], text: 'https://img.test/cats/seven.png\r\n', how: 'dropped' });
    expect(client.since(from, 'classify').map((c) => c.args)).toEqual([{ input: { kind: 'file', file: expect.any(Blob), name: 'seven.png (img.test)' } }]);
    expect(store.getState().inputNotice).toBeNull();
  });

  it('says why a dropped link gave no image', async () => {
    serve({ 'https://site.test/page': () => new Response('<html></html>', { headers: { 'content-type': 'text/html' } }) });
    const { store, client } = await open();
    const from = client.calls.length;
    await store.getState().dropInput({ files: [], text: 'https://blocked.test/x.png', how: 'dropped' });
    expect(store.getState().inputNotice).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^blocked\.test did not let this page read the image: .*CORS/),
    });
    await store.getState().dropInput({ files: [], text: 'https://site.test/page', how: 'dropped' });
    expect(store.getState().inputNotice).toMatchObject({
      ok: false,
      message: 'The dropped link is not an image: site.test sent “text/html” that is not PNG, JPEG, GIF, WebP or BMP.',
    });
    expect(client.since(from, 'classify')).toEqual([]);
  });
});
