import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BARS, classifyInNode, probePng, readBars, waitForInput } from './app-helpers';
import { launchContext, reportPageErrors, type ServedApp, serveApp } from './harness';
import { useBrowserSession } from './session';

/** Classifies the probe PNG on the mini model and checks the posteriors against Node's (the app-smoke tolerance). */
async function expectPosteriorsLikeNode(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 60_000 }).toBe('reference-mini');
  await page.getByTestId('load-progress').waitFor({ state: 'detached' });
  await page.locator(BARS).first().waitFor();
  expect(await page.getByTestId('error').count(), 'an error is shown').toBe(0);
  const probe = probePng(3);
  await page.getByTestId('file-input').setInputFiles({ name: 'probe.png', mimeType: 'image/png', buffer: probe.buffer });
  await waitForInput(page, 'probe.png');
  const bars = await readBars(page);
  const node = await classifyInNode(probe.rgba);
  expect(bars.size).toBe(10);
  for (const [index, p] of bars) expect(Math.abs(p - node.result.posterior[index]), `class ${index}`).toBeLessThan(1e-4);
}

const MINI = '#v=1&model=reference-mini&img=g:rings';

describe('threaded wasm in the built app', () => {
  const session = useBrowserSession({ viewport: { width: 1200, height: 900 }, timeout: 90_000 });

  it('is served cross-origin isolated and runs wasm on 2 threads with Node’s posteriors', async () => {
    const { page } = session;
    const response = await page.goto(`${session.url}?backend=wasm&wasmThreads=2${MINI}`);
    expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const badge = page.getByTestId('backend-badge');
    await expect.poll(() => badge.getAttribute('data-threads'), { timeout: 60_000 }).toBe('2');
    expect(await badge.textContent()).toContain('backend: wasm (2 threads)');
    await expectPosteriorsLikeNode(page);
  }, 180_000);
});

describe('on a static host without the isolation headers', () => {
  let app: ServedApp | undefined;
  let launched: Awaited<ReturnType<typeof launchContext>> | undefined;
  beforeAll(async () => {
    [app, launched] = await Promise.all([serveApp(inject('appDist'), { isolationHeaders: false }), launchContext()]);
  });
  afterAll(async () => {
    await launched?.close();
    await app?.close();
  });

  it('public/coi-sw.js isolates the page after one reload, and threads work', async () => {
    const page = await launched!.context.newPage();
    page.setDefaultTimeout(90_000);
    reportPageErrors(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const response = await page.goto(`${app!.url}?backend=wasm&wasmThreads=2${MINI}`);
    expect(response?.headers()['cross-origin-embedder-policy']).toBeUndefined();
    // The page registers the service worker and reloads once it controls the page.
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
    const badge = page.getByTestId('backend-badge');
    await expect.poll(() => badge.getAttribute('data-threads').catch(() => null), { timeout: 60_000 }).toBe('2');
    await expectPosteriorsLikeNode(page);
    expect(errors).toEqual([]);
  }, 180_000);
});
