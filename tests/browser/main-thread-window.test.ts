import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness';
import { endWindow, expectResponsive, RECORD_LONG_TASKS, startWindow, TASK_THREAD_BOUND_MS } from './mainThreadWindow';

/** Keeps the main thread busy for `ms` of wall time in one task of the page's own (the observer skips the driver's). */
const busy = (page: Page, ms: number) =>
  page.evaluate(
    (ms) =>
      new Promise<void>((done) =>
        setTimeout(() => {
          const start = performance.now();
          while (performance.now() - start < ms);
          done();
        }),
      ),
    ms,
  );

describe('the measured main-thread window (long-task observer and trace)', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(RECORD_LONG_TASKS);
    await page.goto('data:text/html,<p>measured</p>');
  });
  afterAll(() => browser?.close());

  it("finds a task that computes for 300 ms, gives it the trace's thread time, and fails the check", async () => {
    await startWindow(page);
    await busy(page, 300);
    const window = await endWindow(page);
    expect(window.tasks).toHaveLength(1);
    const [task] = window.tasks;
    expect(task.wallMs).toBeGreaterThanOrEqual(300);
    // A thread that loops for 300 ms gets well over the bound of the CPU even when it shares its core.
    expect(task.threadMs).toBeGreaterThan(TASK_THREAD_BOUND_MS);
    expect(task.threadMs).toBeLessThanOrEqual(task.wallMs + 1);
    expect(() => expectResponsive(window, 'a 300 ms loop')).toThrow(/over 50 ms of main-thread time during a 300 ms loop; long tasks: 3\d\d ms/);
  });

  it('passes a window of short tasks', async () => {
    await startWindow(page);
    for (let i = 0; i < 5; i++) await busy(page, 10);
    const window = await endWindow(page);
    expect(window.tasks).toEqual([]);
    expectResponsive(window, 'short tasks');
  });
});
