import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BARS, chartsDrawn, classifyInNode, dropFile, probePng, RESULTS, ROOT, waitForInput } from './app-helpers';
import { useBrowserSession } from './session';

describe('the app, end to end in headless Chromium', () => {
  const session = useBrowserSession({ viewport: { width: 1200, height: 900 }, timeout: 90_000 });

  it('opens on the first bundled model with a gallery image already explained', async () => {
    const { page } = session;
    const index = JSON.parse(readFileSync(join(ROOT, 'public', 'models', 'index.json'), 'utf8'));
    await page.goto(session.url);
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 60_000 }).toBe(index.models[0].id);
    await page.locator(BARS).first().waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('error').count(), 'an error is shown').toBe(0);
  });

  it('classifies a PNG like Node does, and keeps the view when a non-image is dropped', async () => {
    const { page } = session;
    await page.goto(`${session.url}#v=1&model=reference-mini&img=g:rings`);
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 60_000 }).toBe('reference-mini');
    await page.getByTestId('load-progress').waitFor({ state: 'detached' });
    expect(await page.getByTestId('error').count(), 'an error is shown').toBe(0);
    const badge = page.getByTestId('backend-badge');
    // This headless Chromium has only CPU-emulated GPUs (SwiftShader): auto mode must pass them over for wasm, and say why.
    expect(await badge.getAttribute('data-backend')).toBe('wasm');
    expect(await badge.textContent()).toContain('backend: wasm');
    const reasons = await badge.getAttribute('title');
    expect(reasons).toMatch(/webgpu passed over: .*software/);
    expect(reasons).toMatch(/webgl passed over: software-emulated WebGL \(.*SwiftShader.*\)/i);

    const probe = probePng();
    await page.getByTestId('file-input').setInputFiles({ name: 'probe.png', mimeType: 'image/png', buffer: probe.buffer });
    await waitForInput(page, 'probe.png');
    await chartsDrawn(page);
    const bars = await page
      .locator(BARS)
      .evaluateAll((els) => els.map((e) => ({ index: e.getAttribute('data-class-index'), p: Number(e.getAttribute('data-probability')) })));
    expect(bars.map((b) => Number(b.index)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.abs(bars.reduce((s, b) => s + b.p, 0) - 1)).toBeLessThan(1e-5);

    const node = await classifyInNode(probe.rgba);
    for (const bar of bars) expect(Math.abs(bar.p - node.result.posterior[Number(bar.index)]), `class ${bar.index}`).toBeLessThan(1e-4);
    const bitsPerDim = Number(await page.getByTestId('bits-per-dim').getAttribute('data-value'));
    expect(Math.abs(bitsPerDim - node.result.bitsPerDim[0]) / node.result.bitsPerDim[0]).toBeLessThan(1e-5);
    const argmax = Array.from(node.result.posterior).indexOf(Math.max(...node.result.posterior));
    expect(await page.getByTestId('predicted-class').textContent()).toBe(node.classes[argmax]);

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'app-smoke.png'), fullPage: true });

    await dropFile(page, { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image') });
    await expect.poll(() => page.getByTestId('error').textContent(), { timeout: 30_000 }).toContain('“notes.txt” is not an image');
    expect(await page.locator(BARS).count()).toBe(10);
  }, 180_000);

  it('says which backend could not start and why, and loads no model', async () => {
    const { page } = session;
    // The wasm binaries cannot be fetched, as on a host that does not serve them.
    await page.route('**/tfjs-wasm/*.wasm', (route) => route.abort());
    try {
      await page.goto(`${session.url}?backend=wasm`);
      await expect
        .poll(() => page.getByTestId('error').textContent(), { timeout: 60_000 })
        .toMatch(/^No model can run in this browser: the wasm backend could not be started: \S/);
      const badge = page.getByTestId('backend-badge');
      expect(await badge.getAttribute('data-failed')).toBe('true');
      expect(await badge.getAttribute('title')).toMatch(/^the wasm backend could not be started: /);
      expect(await page.getByTestId('model-picker').isDisabled()).toBe(true);
      expect(await page.locator(BARS).count()).toBe(0);
      expect(await page.getByText('No model is loaded.').count()).toBe(1);
      await page.screenshot({ path: join(RESULTS, 'app-smoke-no-backend.png') });
    } finally {
      await page.unroute('**/tfjs-wasm/*.wasm');
    }
  });
});
