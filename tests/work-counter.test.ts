import { describe, expect, it } from 'vitest';
import { workCounter } from '../src/state/workCounter';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('work counter', () => {
  it('is idle at once with nothing in flight, and once the last of several pieces settles, failed ones included', async () => {
    const work = workCounter();
    await work.idle();
    let finish = () => {};
    let fail = (_: Error) => {};
    const first = work.during(new Promise<void>((done) => (finish = done)));
    const second = work.during(new Promise<void>((_, reject) => (fail = reject)));
    second.catch(() => undefined);
    let idle = false;
    void work.idle().then(() => (idle = true));
    finish();
    await first;
    await flush();
    expect(idle).toBe(false);
    fail(new Error('stopped'));
    await expect(second).rejects.toThrow('stopped');
    await flush();
    expect(idle).toBe(true);
  });

  it('hands back what the work gives', async () => {
    expect(await workCounter().during(Promise.resolve(42))).toBe(42);
  });
});
