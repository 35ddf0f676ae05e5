import { describe, expect, it } from 'vitest';
import { type Outcome, RpcClient, type WorkerPort } from '../src/worker/rpcClient';

type Request = { id: number; ask: string };
type Response = { id: number; kind: 'progress'; percent: number } | { id: number; kind: 'done'; answer: string } | { id: number; kind: 'failed'; why: string };

const outcome = (r: Response): Outcome<number> =>
  r.kind === 'progress' ? { progress: r.percent } : r.kind === 'done' ? { result: r.answer } : { error: new Error(r.why) };

/** A worker that records what it is sent and answers when told to. */
function fakeWorker() {
  const port: WorkerPort<Request, Response> & { sent: Request[]; terminated: boolean } = {
    sent: [],
    terminated: false,
    onmessage: null,
    onerror: null,
    postMessage(message) {
      port.sent.push(message);
    },
    terminate() {
      port.terminated = true;
    },
  };
  const answer = (response: Response) => port.onmessage!({ data: response } as MessageEvent<Response>);
  const fail = (message: string) => {
    let prevented = false;
    const preventDefault = () => {
      prevented = true;
    };
    port.onerror!({ message, preventDefault } as ErrorEvent);
    return prevented;
  };
  return { port, answer, fail };
}

const client = (port: WorkerPort<Request, Response>) => new RpcClient(port, outcome, (reason) => new Error(`died: ${reason}`));

describe('worker RPC client', () => {
  it('gives each call a fresh id and settles it with the response to that id, in any order', async () => {
    const { port, answer } = fakeWorker();
    const rpc = client(port);
    const first = rpc.call<string>((id) => ({ id, ask: 'a' }));
    const second = rpc.call<string>((id) => ({ id, ask: 'b' }));
    expect(port.sent).toEqual([
      { id: first.id, ask: 'a' },
      { id: second.id, ask: 'b' },
    ]);
    expect(second.id).not.toBe(first.id);
    answer({ id: second.id, kind: 'done', answer: 'B' });
    answer({ id: first.id, kind: 'done', answer: 'A' });
    expect(await first.result).toBe('A');
    expect(await second.result).toBe('B');
  });

  it('reports progress to its own call only, and ignores answers to unknown or settled ids', async () => {
    const { port, answer } = fakeWorker();
    const rpc = client(port);
    const seen: number[] = [];
    const other: number[] = [];
    const call = rpc.call<string>(
      (id) => ({ id, ask: 'a' }),
      (p) => seen.push(p),
    );
    const waiting = rpc.call<string>(
      (id) => ({ id, ask: 'b' }),
      (p) => other.push(p),
    );
    answer({ id: call.id, kind: 'progress', percent: 10 });
    answer({ id: call.id, kind: 'progress', percent: 90 });
    answer({ id: 999, kind: 'done', answer: 'stray' });
    answer({ id: call.id, kind: 'done', answer: 'A' });
    answer({ id: call.id, kind: 'failed', why: 'late' });
    expect(await call.result).toBe('A');
    expect(seen).toEqual([10, 90]);
    expect(other).toEqual([]);
    answer({ id: waiting.id, kind: 'done', answer: 'B' });
    expect(await waiting.result).toBe('B');
  });

  it('rejects a call whose response is an error', async () => {
    const { port, answer } = fakeWorker();
    const call = client(port).call((id) => ({ id, ask: 'a' }));
    answer({ id: call.id, kind: 'failed', why: 'no such thing' });
    await expect(call.result).rejects.toThrow('no such thing');
  });

  it('rejects every pending call when the worker dies, and handles the error event', async () => {
    const { port, fail } = fakeWorker();
    const rpc = client(port);
    const calls = [rpc.call((id) => ({ id, ask: 'a' })), rpc.call((id) => ({ id, ask: 'b' }))];
    expect(fail('')).toBe(true);
    for (const c of calls) await expect(c.result).rejects.toThrow('died: it could not be started');
  });

  it('stops the worker on terminate, rejecting pending calls with the given error', async () => {
    const { port } = fakeWorker();
    const rpc = client(port);
    const call = rpc.call((id) => ({ id, ask: 'a' }));
    rpc.terminate(new Error('stopped'));
    expect(port.terminated).toBe(true);
    await expect(call.result).rejects.toThrow('stopped');
  });
});
