import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertToPackage } from '../../src/formats/convertToPackage';
import { fileByteSource } from '../../tools/lib/nodeByteSource';
import { nodeFileWriter } from '../../tools/lib/nodePackageFiles';
import { tempDir } from '../helpers/fixtures';
import { trainSmokeModel } from '../helpers/officialData';
import { requirePythonTorch } from '../helpers/requirements';
import { BARS, classifyInNode, ROOT, readBars, recordDownloads, tensorCount, waitForInput } from './app-helpers';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };
const SMOKE_ID = 'smoke-mnist';

/** A 1-channel 28×28 package from training/smoke.sh (a few CPU steps on MNIST), converted in Node. */
async function smokePackage(): Promise<{ dir: string; bytes: number }> {
  const out = await tempDir('gc-features-');
  await trainSmokeModel(requirePythonTorch(), out);
  const dir = join(out, 'package');
  const source = await fileByteSource(join(out, 'model.pt'));
  const options = { id: SMOKE_ID, name: 'Smoke MNIST', storage: 'float32' as const, source: { name: 'model.pt' } };
  await convertToPackage(source, await nodeFileWriter(dir), options).finally(() => source.close());
  const sizes = await Promise.all((await readdir(dir)).map(async (f) => (await stat(join(dir, f))).size));
  return { dir, bytes: sizes.reduce((s, n) => s + n, 0) };
}

/** Serves the smoke package beside the bundled models: the worker's requests are routed too. */
async function routeSmokeModel(context: BrowserContext, appUrl: string, smoke: { dir: string; bytes: number }): Promise<void> {
  const index = JSON.parse(await readFile(join(ROOT, 'public/models/index.json'), 'utf8'));
  index.models.push({ id: SMOKE_ID, name: 'Smoke MNIST', path: `models/${SMOKE_ID}`, bytes: smoke.bytes, description: 'test only' });
  await context.route(`${appUrl}models/index.json`, (route) => route.fulfill({ json: index }));
  await context.route(`${appUrl}models/${SMOKE_ID}/**`, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    return route.fulfill({ path: join(smoke.dir, name) });
  });
}

describe('GC Lens features end to end (wasm)', () => {
  let smoke: { dir: string; bytes: number };
  // Registered before the session, so the package exists when the session routes it.
  beforeAll(async () => {
    smoke = await smokePackage();
  });
  const session = useBrowserSession({
    viewport: { width: 1300, height: 1000 },
    timeout: 90_000,
    prepare: (context, url) => routeSmokeModel(context, url, smoke),
  });
  const mapBusy = () => session.page.locator('section[data-panel="map"]').getAttribute('aria-busy');
  const mapMethod = () => session.page.getByTestId('map-facts').getAttribute('data-method');
  const original = () => session.page.getByTestId('counterfactual-state').getAttribute('data-original');

  it('answers a slider move while a long integrated-gradients map runs, and a new map cancels it without leaking tensors', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm&debug#v=1&model=reference-mini&img=g:rings&map=integrated-gradients&steps=1024`);
    await page.locator(BARS).first().waitFor();
    await page.getByTestId('counterfactual-image').waitFor();
    const round = async () => {
      await page.getByTestId('map-method-integrated-gradients').check();
      await expect.poll(mapBusy, POLL).toBe('true');
      const slider = page.getByTestId('latent-slider').first();
      await slider.focus();
      const moved = Date.now();
      await page.keyboard.press('ArrowRight');
      await expect.poll(original, POLL).toBe('false');
      console.log(`slider → counterfactual during a 1024-step map: ${Date.now() - moved} ms`);
      expect(await mapBusy(), 'the map is still running').toBe('true');
      await page.getByTestId('map-method-decomposition').check();
      await expect.poll(mapMethod, POLL).toBe('decomposition');
      await page.getByTestId('reset-sliders').click();
      await expect.poll(original, POLL).toBe('true');
    };
    await round();
    const first = await tensorCount(page);
    await round();
    expect(await tensorCount(page)).toBe(first);
  }, 300_000);

  it('computes gradient maps on wasm, integrated gradients with its completeness check', async () => {
    const { page } = session;
    await page.getByTestId('map-method-input-gradient').check();
    await expect.poll(mapMethod, POLL).toBe('input-gradient');
    await page.goto(`${session.url}?backend=wasm&debug#v=1&model=reference-mini&img=g:rings&map=integrated-gradients&steps=16`);
    await expect.poll(mapMethod, POLL).toBe('integrated-gradients');
    expect(await page.getByTestId('map-error').count()).toBe(0);
    // The midpoint rule with 16 steps: completeness to well under a percent.
    expect(Number(await page.getByTestId('map-check').getAttribute('data-relative-error'))).toBeLessThan(1e-2);
  });

  it('exports every panel as a non-empty PNG and SVG, and the numbers as JSON with the posteriors shown', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm#v=1&model=reference-mini&img=g:rings&panels=input,posterior,map,latent,samples,interpolation,calibration`);
    await page.getByTestId('counterfactual-image').waitFor();
    await page.locator('[data-testid="interpolation-gallery"]').selectOption('disc');
    await page.getByTestId('interpolation').waitFor();
    await expect.poll(() => page.locator('section[aria-busy]').count(), POLL).toBe(0);
    const nextDownload = await recordDownloads(page);
    const panels = page.locator('section.panel');
    const count = await panels.count();
    expect(count).toBe(7);
    for (let i = 0; i < count; i++) {
      const panel = panels.nth(i);
      const id = await panel.getAttribute('data-panel');
      const pictures = await panel.locator('svg, canvas').count();
      for (const format of ['PNG', 'SVG']) {
        const { name, bytes } = await nextDownload(() => panel.locator('.panel-export').getByRole('button', { name: format }).click());
        expect(name, id!).toMatch(format === 'PNG' ? /\.png$/ : /\.svg$/);
        expect(bytes.length, `${id} ${format}`).toBeGreaterThan(100);
        if (format === 'PNG') expect(bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), id!).toBe(true);
        else {
          const svg = bytes.toString('utf8');
          expect(svg, id!).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
          // Every picture of the panel is in the file: charts as nested SVG, canvases as images.
          expect((svg.match(/<svg|<image/g) ?? []).length - 1, id!).toBeGreaterThanOrEqual(pictures);
          // Maps carry their pixels as PNG data URLs, never as object URLs that live only in this page.
          expect(svg, id!).not.toContain('href="blob:');
          if (id === 'map') expect(svg, id!).toMatch(/<image[^>]*href="data:image\/png;base64,/);
        }
      }
    }
    const { name, bytes } = await nextDownload(() => page.getByRole('button', { name: 'Numbers (JSON)' }).click());
    expect(name).toBe('gc-lens-numbers.json');
    const numbers = JSON.parse(bytes.toString('utf8'));
    expect(numbers.model).toBe('reference-mini');
    const bars = await readBars(page);
    expect(bars.size).toBe(10);
    for (const [y, p] of bars) expect(Math.abs(numbers.posterior[y] - p), `class ${y}`).toBeLessThan(1e-6);
  });

  it('carries the interpolation image and shows a link slider the editor does not list', async () => {
    const { page } = session;
    const hash = '#v=1&model=reference-mini&img=g:rings&img2=g:disc&dir=dim-6911:0.5&panels=input,latent,interpolation,calibration';
    await page.goto(`${session.url}?backend=wasm${hash}`);
    await page.getByTestId('interpolation').waitFor();
    expect(await page.getByTestId('interpolation-to').textContent()).toContain('red disc');
    await page.getByTestId('unlisted-sliders').waitFor();
    expect(await page.locator('[data-testid="latent-slider"][data-direction="dim-6911"]').inputValue()).toBe('0.5');
    await expect.poll(original, POLL).toBe('false');
    expect(await page.locator('section[data-panel="map"]').count()).toBe(0);
    await page.getByTestId('copy-permalink').click();
    const href = await page.getByTestId('permalink-status').getAttribute('data-href');
    expect(href).toContain('img2=g:disc');
    expect(href).toContain('dir=dim-6911:0.5');
    expect(href).toContain('panels=input,latent,interpolation,calibration');
  });

  it('shows the same image under two models side by side', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm&debug#v=1&model=reference-mini&img=g:rings`);
    await page.locator(BARS).first().waitFor();
    await page.getByTestId('compare-model').selectOption(SMOKE_ID);
    await page.getByTestId('compare-posterior-chart').waitFor();
    const main = await readBars(page);
    const other = await readBars(page, 'compare-posterior-chart');
    expect(main.size).toBe(10);
    expect(other.size).toBeGreaterThan(0);
    expect(await page.getByTestId('compare-other').textContent()).toContain('Smoke MNIST');
    expect([...other].some(([y, p]) => Math.abs(p - (main.get(y) ?? 0)) > 1e-3)).toBe(true);
  });

  it('classifies a drawing on the pad of a 1-channel model as Node does', async () => {
    const { page } = session;
    await page.getByTestId('model-picker').selectOption(SMOKE_ID);
    const pad = page.getByTestId('drawing-pad');
    await pad.waitFor();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let t = 1; t <= 10; t++) await page.mouse.move(box.x + box.width * (0.5 - 0.01 * t), box.y + box.height * (0.2 + 0.06 * t));
    await page.mouse.up();
    await waitForInput(page, 'drawing.png');
    // The 28×28 gray model input the page made of the drawing, classified again in Node.
    const gray = await page.evaluate(() => {
      const { store } = (window as unknown as { gcLens: { store: { getState(): { classification: { pixels: { pixels: Uint8Array } } } } } }).gcLens;
      return Array.from(store.getState().classification.pixels.pixels);
    });
    expect(gray.length).toBe(28 * 28);
    expect(gray.filter((v) => v > 128).length, 'the stroke reached the model input').toBeGreaterThan(10);
    const rgba = new Uint8Array(gray.flatMap((v) => [v, v, v, 255]));
    const node = await classifyInNode({ width: 28, height: 28, data: rgba }, smoke.dir);
    const bars = await readBars(page);
    expect(bars.size).toBe(10);
    for (const [y, p] of bars) expect(Math.abs(p - node.result.posterior[y]), `class ${y}`).toBeLessThan(1e-4);
  });
});
