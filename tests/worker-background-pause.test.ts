import { describe, expect, it } from 'vitest';
import { setYieldGate, yieldUnlessAborted } from '../src/explain/checks';
import { holdLongRequests, watchNewImages, yieldToNewImages } from '../src/worker/backgroundPause';

/** Whether the promise settled within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

describe('the pause of background work in the worker', () => {
  it('waits while a new image is pending and goes on once it is answered', async () => {
    let pending = true;
    watchNewImages(() => pending);
    let resumed = false;
    const pause = yieldToNewImages().then(() => {
      resumed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resumed).toBe(false);
    pending = false;
    await pause;
    expect(resumed).toBe(true);
    watchNewImages(() => false);
  });

  it('holds a long request at its yields while a quick one runs, lets other work through, and lets an abort stop it', async () => {
    const long = new AbortController();
    const aborted = new AbortController();
    let quickBusy = true;
    holdLongRequests(
      (signal) => signal === long.signal || signal === aborted.signal,
      () => quickBusy,
    );
    try {
      const held = yieldUnlessAborted(long.signal);
      expect(await settledWithin(held, 40), 'a long request waits while a quick one runs').toBe(false);
      expect(await settledWithin(yieldUnlessAborted(new AbortController().signal), 40), 'a quick request goes on').toBe(true);
      expect(await settledWithin(yieldUnlessAborted(undefined), 40), 'work without a signal goes on').toBe(true);
      const stopping = yieldUnlessAborted(aborted.signal);
      aborted.abort();
      await expect(stopping).rejects.toMatchObject({ name: 'AbortError' });
      quickBusy = false;
      await held;
    } finally {
      setYieldGate(async () => {});
    }
  });
});
