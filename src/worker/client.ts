import type { Calls, CallType, WorkerRequest, WorkerResponse } from './protocol';
import { type Outcome, RpcClient } from './rpcClient';

/** The request was dropped because a newer one of the same type arrived while it waited. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'SupersededError';
  }
}

/** Bytes of a model load, or passes of a long explanation: done so far, and in all. */
export type ProgressListener = (done: number, total: number) => void;

/** The subset of the client the app store needs (tests substitute their own). */
export interface InferenceCalls {
  call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: ProgressListener): Promise<Calls[K]['result']>;
}

type Progress = { done: number; total: number };

function outcome(response: WorkerResponse): Outcome<Progress> {
  if (response.type === 'progress') return { progress: response };
  if (response.type === 'done') return { result: response.result };
  return { error: response.type === 'superseded' ? new SupersededError() : new Error(response.message) };
}

/** The page's side of the inference worker. */
export class InferenceClient implements InferenceCalls {
  private readonly rpc = new RpcClient<WorkerRequest, WorkerResponse, Progress>(
    new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' }),
    outcome,
    (reason) => new Error(`the inference worker failed: ${reason}`),
  );

  call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: ProgressListener): Promise<Calls[K]['result']> {
    const progress = onProgress && ((p: Progress) => onProgress(p.done, p.total));
    return this.rpc.call<Calls[K]['result']>((id) => ({ type, id, ...args }) as WorkerRequest, progress).result;
  }

  terminate(): void {
    this.rpc.terminate(new Error('the inference worker was stopped'));
  }
}
