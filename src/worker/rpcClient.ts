/** The page's side of a request/response worker: ids, one pending promise per id, and failure of all when the worker dies. */

/** What the client needs of a Worker (tests pass a fake). */
export interface WorkerPort<Request, Response> {
  postMessage(message: Request): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<Response>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/** What one response means for its call: progress so far, or the call's end. */
export type Outcome<Progress> = { progress: Progress } | { result: unknown } | { error: Error };

interface PendingCall<Progress> {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: Progress) => void;
}

export class RpcClient<Request, Response extends { id: number }, Progress> {
  private readonly pending = new Map<number, PendingCall<Progress>>();
  private nextId = 1;

  /** `outcome` reads a response; `died` is the error every pending call fails with when the worker fails. */
  constructor(
    private readonly worker: WorkerPort<Request, Response>,
    private readonly outcome: (response: Response) => Outcome<Progress>,
    died: (reason: string) => Error,
  ) {
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => {
      // Handled here: the page's console need not report it again.
      event.preventDefault();
      this.rejectAll(died(event.message || 'it could not be started'));
    };
  }

  /** Posts the request built for a fresh id; `result` settles with the response to that id. */
  call<Result>(request: (id: number) => Request, onProgress?: (progress: Progress) => void): { id: number; result: Promise<Result> } {
    const id = this.nextId++;
    const result = new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, onProgress });
      this.worker.postMessage(request(id));
    });
    return { id, result };
  }

  post(message: Request): void {
    this.worker.postMessage(message);
  }

  /** Stops the worker; pending calls fail with `error`. */
  terminate(error: Error): void {
    this.worker.terminate();
    this.rejectAll(error);
  }

  private receive(response: Response): void {
    const call = this.pending.get(response.id);
    if (!call) return;
    const outcome = this.outcome(response);
    if ('progress' in outcome) {
      call.onProgress?.(outcome.progress);
      return;
    }
    this.pending.delete(response.id);
    if ('result' in outcome) call.resolve(outcome.result);
    else call.reject(outcome.error);
  }

  private rejectAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}
