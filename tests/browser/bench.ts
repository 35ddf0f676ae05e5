/**
 * Bench page: exposes window.gcBench for tools/bench-browser.ts. With ?worker the bench runs in a dedicated worker,
 * as the app's inference does: there wasm threads block on Atomics.wait, which the page's main thread may not.
 */
import { type Bench, bench } from './benchCore';

export type { BenchDevice, BenchModel, ColdStart, WarmTimes } from './benchCore';

declare global {
  interface Window {
    gcBench?: Bench;
  }
}

type Reply = { id: number; result?: unknown; error?: string };

/** The same calls, answered by tests/browser/benchWorker.ts. */
function inWorker(): Bench {
  const worker = new Worker(new URL('./benchWorker.ts', import.meta.url), { type: 'module' });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  worker.onmessage = ({ data }: MessageEvent<Reply>) => {
    const call = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error !== undefined) call?.reject(new Error(data.error));
    else call?.resolve(data.result);
  };
  const call = <R>(method: keyof Bench, args: unknown[]) =>
    new Promise<R>((resolve, reject) => {
      waiting.set(++next, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id: next, method, args });
    });
  return {
    init: (...args) => call('init', args),
    load: (...args) => call('load', args),
    time: (...args) => call('time', args),
  };
}

window.gcBench = new URLSearchParams(location.search).has('worker') ? inWorker() : bench;
