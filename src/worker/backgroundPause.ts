import { nextTask, setYieldGate } from '../explain/checks';

/** How often held-back work looks whether it may go on: cheap, and short next to a layer or a forward pass at 224². */
const POLL_MS = 5;

let newImagePending: () => boolean = () => false;

/** The worker's queue tells whether a new image is waiting or being classified. */
export function watchNewImages(pending: () => boolean): void {
  newImagePending = pending;
}

async function waitWhile(busy: () => boolean): Promise<void> {
  while (busy()) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

/**
 * The pause of background work that outlives its request (the class means' principal directions, cached per model):
 * the next task, then as long as a new image waits, so that its posteriors come first.
 */
export async function yieldToNewImages(): Promise<void> {
  await nextTask();
  await waitWhile(newImagePending);
}

/**
 * Long requests (the signals `isLong` names) wait at every yield while a quick request runs or waits, so that a
 * slider step or a new image has the worker to itself; an abort lets them go on to stop.
 */
export function holdLongRequests(isLong: (signal: AbortSignal) => boolean, quickBusy: () => boolean): void {
  setYieldGate(async (signal) => {
    if (signal && isLong(signal)) await waitWhile(() => !signal.aborted && quickBusy());
  });
}
