import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BARS, classifyInNode, dropFile, probePng, RESULTS, readBars, waitForInput } from './app-helpers';
import { useBrowserSession } from './session';

/** One focused pass on WebGPU (SwiftShader here: its first shader compile is slow). */
describe('GC Lens end to end (webgpu)', () => {
  const session = useBrowserSession({ viewport: { width: 1280, height: 900 }, timeout: 240_000 });

  it('classifies a dropped PNG like Node and moves a slider', async () => {
    const { page } = session;
    const started = Date.now();
    await page.goto(`${session.url}?backend=webgpu&debug#v=1&model=reference-mini&img=g:rings`);
    await page.locator(BARS).first().waitFor();
    expect(await page.getByTestId('backend-badge').getAttribute('data-backend')).toBe('webgpu');
    console.log(`webgpu: first view after ${Date.now() - started} ms`);

    const probe = probePng(5);
    const dropped = Date.now();
    await dropFile(page, { name: 'gpu.png', type: 'image/png', bytes: probe.buffer });
    await waitForInput(page, 'gpu.png');
    console.log(`webgpu: drop → posteriors ${Date.now() - dropped} ms`);
    const node = await classifyInNode(probe.rgba);
    const bars = await readBars(page);
    expect(bars.size).toBe(10);
    for (const [y, p] of bars) expect(Math.abs(p - node.result.posterior[y]), `class ${y}`).toBeLessThan(1e-4);

    await page.getByTestId('counterfactual-image').waitFor();
    await page.getByTestId('latent-slider').first().focus();
    const moved = Date.now();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), { timeout: 120_000 }).toBe('false');
    console.log(`webgpu: slider → new image ${Date.now() - moved} ms`);
    await page.screenshot({ path: join(RESULTS, 'app-webgpu.png'), fullPage: true });
  }, 420_000);
});
