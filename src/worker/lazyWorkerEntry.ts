/**
 * A module worker's entry that holds nothing but an import of the worker's code. WebKit does not put a module
 * worker's entry script in the worker's module map: a module that imports the entry's URL gets a second, fresh copy
 * of it (checked in WebKitGTK 2.50; Chromium and Firefox share one). The bundler puts the code that a worker's lazily
 * imported chunks share (tfjs) into the worker's entry chunk, so those chunks import it; the second copy then took over
 * onmessage with none of the first's state. An entry that exports nothing is imported by no chunk
 * (vite.config.ts fails the build otherwise).
 */

/** What the worker's code module exports. */
export interface WorkerCode {
  onMessage(event: MessageEvent): void;
}

/** The worker global as this file needs it; lib-neutral, so that the page, worker and test programs all type it. */
type WorkerScope = { onmessage: ((event: MessageEvent) => void) | null; reportError(error: unknown): void };

/** Imports the worker's code; messages that arrive before it is ready are answered, in order, once it is. */
export function startWorker(code: () => Promise<WorkerCode>): void {
  const scope = self as unknown as WorkerScope;
  const early: MessageEvent[] = [];
  scope.onmessage = (event) => early.push(event);
  code().then(
    ({ onMessage }) => {
      scope.onmessage = onMessage;
      for (const event of early.splice(0)) onMessage(event);
    },
    // Reported as uncaught: the page's Worker gets an error event, and its client fails every call with it.
    (error) => scope.reportError(new Error(`the worker's code could not be loaded: ${error instanceof Error ? error.message : String(error)}`)),
  );
}
