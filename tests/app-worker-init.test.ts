import { describe, expect, it, vi } from 'vitest';
import type { WorkerRequest, WorkerResponse } from '../src/worker/protocol';

/** The inference worker when no backend starts: every request that needs one says why, and no model is loaded. */
describe('inference worker without a backend', () => {
  it('names the backend that failed in init and in the requests after it', async () => {
    const posted: WorkerResponse[] = [];
    const scope = { postMessage: (m: WorkerResponse) => posted.push(m), onmessage: null as ((e: { data: WorkerRequest }) => void) | null };
    Object.assign(globalThis, { self: scope });
    await import('../src/worker/inference.worker');
    const send = (request: WorkerRequest) => scope.onmessage!({ data: request });
    const answer = (id: number) =>
      vi.waitFor(
        () => {
          const found = posted.find((m) => m.id === id && m.type !== 'progress');
          if (!found) throw new Error(`no answer to request ${id} yet`);
          return found;
        },
        { timeout: 60_000, interval: 20 },
      );

    // Sent before the worker's code has loaded: queued by the entry, answered in order.
    send({ type: 'init', id: 1, backends: ['webgl'], wasmPaths: '' });
    send({ type: 'load', id: 2, modelUrl: 'http://127.0.0.1:9/no-model/' });
    send({ type: 'classify', id: 3, input: { kind: 'tensor', data: new Float32Array(1), batch: 1 } });
    const reason = 'the webgl backend could not be started: no canvas in this environment';
    expect(await answer(1)).toEqual({ type: 'failed', id: 1, message: reason });
    expect(await answer(2)).toEqual({ type: 'failed', id: 2, message: `no compute backend runs: ${reason}` });
    expect(await answer(3)).toEqual({ type: 'failed', id: 3, message: 'no model is loaded' });
  });
});
