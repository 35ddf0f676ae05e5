import { describe, expect, it } from 'vitest';
import { watchNewImages, yieldToNewImages } from '../src/worker/backgroundPause';

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
});
