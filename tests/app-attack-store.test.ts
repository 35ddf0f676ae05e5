import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifierResult } from '../src/flow/classifier';
import type { ModelSpec } from '../src/formats/modelSpec';
import { type AppStore, createAppStore } from '../src/state/appStore';
import { changeAttackView } from '../src/state/attackActions';
import { defaultPermalinkState } from '../src/state/permalink';
import { SupersededError } from '../src/worker/client';
import type { AttackOutcome, Calls, Classification } from '../src/worker/protocol';
import { FakeClient } from './helpers/fakeClient';

const settle = () => new Promise((r) => setTimeout(r, 0));
const classification = { result: { classes: 2, posterior: new Float32Array([0.9, 0.1]) } as unknown as ClassifierResult } as Classification;
const outcome = (epsilon: number) => ({ report: { settings: { epsilon } } }) as unknown as AttackOutcome;

describe('attack actions in the app store', () => {
  let client: FakeClient;
  let store: AppStore;

  beforeEach(async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ models: [{ id: 'a', name: 'A', path: 'models/a', bytes: 1 }] })));
    client = new FakeClient();
    store = createAppStore(client, 'https://lens.test/');
    const started = store.getState().start();
    await settle();
    client.last('init').resolve({ name: 'cpu', skipped: [] });
    await settle();
    client.last('load').resolve({ id: 'a', classes: ['cat', 'dog'], input: { channels: 1, height: 2, width: 2 } } as unknown as ModelSpec);
    await started;
    const chosen = store.getState().chooseInput(new Blob(['x']), 'x.png');
    client.last('classify').resolve(classification);
    await chosen;
  });
  afterEach(() => vi.unstubAllGlobals());

  it('runs with the panel settings, shows step progress, keeps the previous result on cancel, and drops it for a new image', async () => {
    store.getState().setAttackView({ target: 1, epsilon: 5 });
    const first = store.getState().runAttack();
    expect(client.last('attack').args).toEqual({ settings: { target: 1, norm: 'linf', epsilon: 5, steps: 10, stepSize: 2 }, searchAttacks: 6 });
    client.last('attack').onProgress!(3, 70);
    expect(store.getState().attack).toEqual({ status: 'running', previous: null, steps: { done: 3, total: 70 } });
    client.last('attack').resolve(outcome(5));
    await first;
    expect(store.getState().attack).toEqual({ status: 'done', value: outcome(5) });

    const second = store.getState().runAttack();
    store.getState().cancelAttack();
    expect(client.last('cancel').args).toEqual({ kind: 'attack' });
    client.calls.filter((c) => c.type === 'attack')[1].reject(new SupersededError());
    await second;
    expect(store.getState().attack).toEqual({ status: 'done', value: outcome(5) });

    const third = store.getState().runAttack();
    client.last('attack').reject(new Error('the attack starts from an 8-bit image'));
    await third;
    expect(store.getState().attack).toMatchObject({ status: 'failed', message: 'the attack starts from an 8-bit image', previous: outcome(5) });

    const chosen = store.getState().chooseInput(new Blob(['y']), 'y.png');
    client.last('classify').resolve(classification);
    await chosen;
    expect(store.getState().attack).toEqual({ status: 'idle' });
  });

  it('a target past the model classes is sent as untargeted; a norm switch brings its default budget unless the budget was changed', async () => {
    store.getState().setAttackView({ target: 7 });
    void store.getState().runAttack();
    expect((client.last('attack').args as Calls['attack']['args']).settings.target).toBeNull();
    expect(changeAttackView(defaultPermalinkState().attack, { norm: 'l2' })).toMatchObject({ norm: 'l2', epsilon: 400, stepSize: 100 });
    expect(changeAttackView({ ...defaultPermalinkState().attack, epsilon: 3 }, { norm: 'l2' })).toMatchObject({ norm: 'l2', epsilon: 3, stepSize: 2 });
  });
});

describe('attack settings in the link', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('a link opens with its attack settings (a target this model lacks becomes untargeted, with a notice); a change rewrites the fragment', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ models: [{ id: 'a', name: 'A', path: 'models/a', bytes: 1 }] })));
    const client = new FakeClient();
    const fragments: string[] = [];
    const store = createAppStore(client, 'https://lens.test/', {
      fragment: '#v=1&atk=to:5,norm:l2,eps:300,steps:7,step:60,search:2',
      writeFragment: (f) => fragments.push(f),
    });
    const started = store.getState().start();
    await settle();
    client.last('init').resolve({ name: 'cpu', skipped: [] });
    await settle();
    client.last('load').resolve({ id: 'a', classes: ['cat', 'dog'], input: { channels: 1, height: 2, width: 2 } } as unknown as ModelSpec);
    await started;
    expect(store.getState().attackView).toEqual({ target: null, norm: 'l2', epsilon: 300, steps: 7, stepSize: 60, searchAttacks: 2 });
    expect(store.getState().linkNotices).toEqual(["The attack's target class in the link (5) is not a class of this model; the attack is untargeted."]);
    vi.useFakeTimers();
    store.getState().setAttackView({ epsilon: 123 });
    await vi.runAllTimersAsync();
    expect(fragments.at(-1)).toContain('atk=to:none,norm:l2,eps:123,steps:7,step:60,search:2');
  });
});
