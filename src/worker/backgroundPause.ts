import { nextTask } from '../explain/checks';

/** Polling interval while a new image is being classified: cheap, and short next to a forward pass. */
const POLL_MS = 5;

let newImagePending: () => boolean = () => false;

/** The worker's queue tells whether a new image is waiting or being classified. */
export function watchNewImages(pending: () => boolean): void {
  newImagePending = pending;
}

/**
 * The pause of background work that outlives its request (the class means' principal directions, cached per model):
 * the next task, then as long as a new image waits, so that its posteriors come first.
 */
export async function yieldToNewImages(): Promise<void> {
  await nextTask();
  while (newImagePending()) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
