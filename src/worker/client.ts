import type { CallType, Calls, WorkerRequest, WorkerResponse } from './protocol';

/** The request was dropped because a newer one of the same type arrived while it waited. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'SupersededError';
  }
}

export type ProgressListener = (loadedBytes: number, totalBytes: number) => void;

/** The subset of the client the app store needs (tests substitute their own). */
export interface InferenceCalls {
  call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: ProgressListener): Promise<Calls[K]['result']>;
}

interface PendingCall {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: ProgressListener;
}

/** The page's side of the inference worker: one promise per request id. */
export class InferenceClient implements InferenceCalls {
  private readonly worker = new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;

  constructor() {
    this.worker.onmessage = (event: MessageEvent<WorkerResponse>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.rejectAll(new Error(`the inference worker failed: ${event.message || 'it could not be started'}`));
    };
  }

  call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: ProgressListener): Promise<Calls[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, onProgress });
      this.worker.postMessage({ type, id, ...args } as WorkerRequest);
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.rejectAll(new Error('the inference worker was stopped'));
  }

  private receive(message: WorkerResponse): void {
    const call = this.pending.get(message.id);
    if (!call) return;
    if (message.type === 'progress') {
      call.onProgress?.(message.loadedBytes, message.totalBytes);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'done') call.resolve(message.result);
    else if (message.type === 'superseded') call.reject(new SupersededError());
    else call.reject(new Error(message.message));
  }

  private rejectAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}
