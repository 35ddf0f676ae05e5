/** Throws unless index names one of `classes` classes. */
export function assertClassIndex(index: number, classes: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= classes) throw new RangeError(`class ${index} is not in [0, ${classes})`);
}

/** Throws unless x is one image: [1, H, W, C]. */
export function assertSingleImage(x: { shape: number[] }, what: string): void {
  if (x.shape.length !== 4 || x.shape[0] !== 1) throw new RangeError(`${what} explains one NHWC image [1, H, W, C], got [${x.shape.join(', ')}]`);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Holds work back after a yield while more urgent work waits; the worker sets it (see setYieldGate). */
let yieldGate: (signal: AbortSignal | undefined) => Promise<void> = async () => {};

/** The worker's priorities: its background requests wait at every yield while a foreground one runs. */
export function setYieldGate(gate: (signal: AbortSignal | undefined) => Promise<void>): void {
  yieldGate = gate;
}

/**
 * Lets the worker's event loop run (so newer requests arrive mid-computation), waits at the gate,
 * then throws the signal's AbortError if the caller has canceled. Called between batches and layers.
 */
export async function yieldUnlessAborted(signal: AbortSignal | undefined): Promise<void> {
  await nextTask();
  await yieldGate(signal);
  signal?.throwIfAborted();
}

/**
 * Resolves in a new task, after messages already waiting have been handled. A MessageChannel
 * message, not setTimeout: nested timeouts are clamped to 4 ms, which hundreds of yields would add up.
 */
export function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
