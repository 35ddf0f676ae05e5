import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures';
import { BARS, classifyInNode, dropFile, probePng, RESULTS, readBars, tensorCount, waitForInput } from './app-helpers';
import { FIXTURE_ROUTE } from './fixtureRoute';
import { useBrowserSession } from './session';

const POLL = { timeout: 60_000 };

/** Two 1×1 frames: an animated GIF in its smallest form. */
function animatedGif(): Buffer {
  const frame = [0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00];
  return Buffer.from([
    ...Buffer.from('GIF89a'),
    1,
    0,
    1,
    0,
    0x80,
    0,
    0,
    255,
    0,
    0,
    0,
    0,
    255,
    0x21,
    0xff,
    0x0b,
    ...Buffer.from('NETSCAPE2.0'),
    0x03,
    0x01,
    0x00,
    0x00,
    0x00,
    ...frame,
    ...frame,
    0x3b,
  ]);
}

function translucentGrayPng(): Buffer {
  const png = new PNG({ width: 40, height: 40 });
  for (let i = 0; i < 1600; i++) png.data.set([(i * 5) % 256, (i * 5) % 256, (i * 5) % 256, i % 2 ? 255 : 120], 4 * i);
  return PNG.sync.write(png);
}

/** The app on the wasm backend with a disk profile (OPFS), most end-to-end checks in one page. */
describe('GC Lens end to end (wasm)', () => {
  const session = useBrowserSession({ profile: true, timeout: 90_000 });
  const open = async (p: Page, hash = '#v=1&model=reference-mini&img=g:rings') => {
    await p.goto(`${session.url}?backend=wasm&debug${hash}`);
    await p.locator(BARS).first().waitFor({ timeout: 90_000 });
  };
  const shot = (name: string) => session.page.screenshot({ path: join(RESULTS, `app-explorer-${name}.png`), fullPage: true });
  const errorText = () => session.page.getByTestId('error').textContent({ timeout: 60_000 });

  beforeAll(() => mkdir(RESULTS, { recursive: true }));

  it('opens on a gallery image with every panel filled, and a dropped PNG gives the posteriors Node gives', async () => {
    const { page } = session;
    const started = Date.now();
    await open(page);
    expect(await page.getByTestId('backend-badge').getAttribute('data-backend')).toBe('wasm');
    await page.getByTestId('likelihood-map').waitFor();
    await page.getByTestId('counterfactual-image').waitFor();
    console.log(`first view ready after ${Date.now() - started} ms`);
    expect(Number(await page.getByTestId('reconstruction-error').getAttribute('data-value'))).toBeLessThan(1e-4);
    expect(Number(await page.getByTestId('map-check').getAttribute('data-relative-error'))).toBeLessThan(1e-6);
    await shot('start');

    const probe = probePng(3);
    const dropped = Date.now();
    await dropFile(page, { name: 'dropped.png', type: 'image/png', bytes: probe.buffer });
    await waitForInput(page, 'dropped.png');
    console.log(`drop → posteriors: ${Date.now() - dropped} ms`);
    const node = await classifyInNode(probe.rgba);
    const bars = await readBars(page);
    expect(bars.size).toBe(10);
    for (const [y, p] of bars) expect(Math.abs(p - node.result.posterior[y]), `class ${y}`).toBeLessThan(1e-4);
  });

  it('moves a slider with the keyboard: the counterfactual and its posteriors change; reset restores the original', async () => {
    const { page } = session;
    const before = await readBars(page, 'counterfactual-posterior');
    expect(before.size, 'the top 5 classes (a sixth bar gathers the rest)').toBe(5);
    const pixels = () => page.getByTestId('counterfactual-image').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const original = await pixels();
    const slider = page.getByTestId('latent-slider').first();
    await slider.focus();
    const moved = Date.now();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('false');
    console.log(`slider (10 key presses) → new image: ${Date.now() - moved} ms`);
    expect(await pixels()).not.toBe(original);
    const after = await readBars(page, 'counterfactual-posterior');
    expect([...after].some(([y, p]) => Math.abs(p - (before.get(y) ?? 0)) > 1e-6)).toBe(true);
    await shot('slider');
    // The chart says it is busy from the render that gives it new data until it has drawn them (useDrawEffect).
    await page.evaluate(() => {
      const chart = document.querySelector('[data-testid="counterfactual-posterior"]')!;
      const marks: (string | null)[] = [];
      (window as unknown as { busyMarks: (string | null)[] }).busyMarks = marks;
      new MutationObserver(() => marks.push(chart.getAttribute('aria-busy'))).observe(chart, { attributeFilter: ['aria-busy'] });
    });
    await page.getByTestId('reset-sliders').click();
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('true');
    expect(await readBars(page, 'counterfactual-posterior')).toEqual(before);
    const marks = await page.evaluate(() => (window as unknown as { busyMarks: (string | null)[] }).busyMarks);
    expect(marks.slice(0, 2), 'busy, then drawn').toEqual(['true', null]);
    expect(marks.at(-1)).toBeNull();
  });

  it('switches between the map methods, each with its check', async () => {
    const { page } = session;
    await page.getByTestId('map-method-occlusion').check();
    await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('occlusion');
    await page.getByTestId('map-method-decomposition').check();
    await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('decomposition');
    await page.getByTestId('map-method-input-gradient').check();
    // Unfused convolutions give wasm its input gradients.
    await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('input-gradient');
    expect(await page.getByTestId('map-error').count()).toBe(0);
    await page.getByTestId('map-method-decomposition').check();
  });

  it('keeps the tensor count flat over repeated interactions', async () => {
    const { page } = session;
    const round = async () => {
      const slider = page.getByTestId('latent-slider').nth(1);
      await slider.focus();
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
      await page.getByTestId('reset-sliders').click();
      await page.getByTestId('map-method-occlusion').check();
      await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('occlusion');
      await page.getByTestId('map-method-decomposition').check();
      await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('decomposition');
      await page.locator('[data-gallery-id="disc"]').click();
      await waitForInput(page, 'red disc');
      await page.locator('[data-gallery-id="rings"]').click();
      await waitForInput(page, 'green rings');
      await page.getByTestId('counterfactual-image').waitFor();
      await page.waitForTimeout(500);
    };
    await round();
    const first = await tensorCount(page);
    await round();
    await round();
    expect(await tensorCount(page)).toBe(first);
  });

  it('copies a permalink that reproduces the same numbers in a fresh page', async () => {
    const { page } = session;
    await page.getByTestId('map-method-occlusion').check();
    const slider = page.getByTestId('latent-slider').first();
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('false');
    await page.waitForTimeout(400);
    await page.getByTestId('copy-permalink').click();
    const href = await page.getByTestId('permalink-status').getAttribute('data-href');
    expect(href).toContain('img=g:rings');
    const fresh = await session.context.newPage();
    await fresh.goto(href!);
    await fresh.locator(BARS).first().waitFor({ timeout: 90_000 });
    await expect.poll(() => fresh.getByTestId('counterfactual-state').getAttribute('data-original'), { timeout: 60_000 }).toBe('false');
    const shown = await readBars(page);
    const counterfactual = await readBars(page, 'counterfactual-posterior');
    expect([shown.size, counterfactual.size]).toEqual([10, 5]);
    expect(await readBars(fresh)).toEqual(shown);
    expect(await readBars(fresh, 'counterfactual-posterior')).toEqual(counterfactual);
    expect(await fresh.getByTestId('map-facts').getAttribute('data-method')).toBe('occlusion');

    // An uploaded image travels inside the link.
    await dropFile(page, { name: 'link.png', type: 'image/png', bytes: probePng(9).buffer });
    await waitForInput(page, 'link.png');
    await page.getByTestId('copy-permalink').click();
    await expect.poll(() => page.getByTestId('permalink-status').getAttribute('data-href'), POLL).toContain('img=p:48x48x3:');
    await fresh.goto((await page.getByTestId('permalink-status').getAttribute('data-href'))!);
    await waitForInput(fresh, 'image from the link');
    const uploaded = await readBars(page);
    expect(uploaded.size).toBe(10);
    expect(await readBars(fresh)).toEqual(uploaded);
    await fresh.close();
  });

  it('shows a notice for a tampered link and still shows a view', async () => {
    const tampered = await session.context.newPage();
    const hash = '#v=1&model=reference-mini&img=e:48x48x3:%3Cscript%3E&a=99&temp=7&map=evil&dir=dim-0:1e9,bogus:1&panels=input,posterior,map,latent,x';
    await tampered.goto(`${session.url}?backend=wasm${hash}`);
    await tampered.getByTestId('link-notice').waitFor({ timeout: 90_000 });
    const text = await tampered.getByTestId('link-notice').textContent();
    expect(text).toMatch(/out of range|not valid|unknown|not in a known form/);
    expect(text).not.toContain('<script>');
    await tampered.locator(BARS).first().waitFor({ timeout: 90_000 });
    expect(await tampered.locator('script:not([src])').count()).toBe(0);
    await tampered.screenshot({ path: join(RESULTS, 'app-explorer-tampered.png'), fullPage: true });
    await tampered.close();
  });

  it('says what is wrong with each bad input and keeps the view', async () => {
    const { page } = session;
    const shown = await readBars(page);
    expect(shown.size).toBe(10);
    const cases: [string, string, Buffer | Uint8Array, RegExp][] = [
      ['notes.txt', 'text/plain', Buffer.from('hello'), /is not an image/],
      ['broken.png', 'image/png', probePng().buffer.subarray(0, 60), /could not be decoded/],
      ['drawing.svg', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), /SVG/],
    ];
    for (const [name, type, bytes, message] of cases) {
      await dropFile(page, { name, type, bytes });
      await expect.poll(errorText, POLL).toMatch(message);
      expect(await readBars(page)).toEqual(shown);
      await page.getByRole('button', { name: 'Dismiss the error' }).click();
    }
    await dropFile(page, { name: 'animated.gif', type: 'image/gif', bytes: animatedGif() });
    await waitForInput(page, 'animated.gif');
    expect(await page.getByTestId('input-notes').textContent()).toContain('first frame');
    await dropFile(page, { name: 'gray.png', type: 'image/png', bytes: translucentGrayPng() });
    await waitForInput(page, 'gray.png');
    const notes = await page.getByTestId('input-notes').textContent();
    expect(notes).toContain('transparent');
    expect(notes).toContain('grayscale');

    // 50 megapixels, made in the page: decoded downscaled, never as a full-size float array.
    await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(8000, 6250);
      const context = canvas.getContext('2d')!;
      const gradient = context.createLinearGradient(0, 0, 8000, 6250);
      gradient.addColorStop(0, '#0ea5e9');
      gradient.addColorStop(1, '#f97316');
      context.fillStyle = gradient;
      context.fillRect(0, 0, 8000, 6250);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'huge.png', { type: 'image/png' }));
      document.querySelector('main')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await waitForInput(page, 'huge.png');
    expect(await page.getByTestId('input-notes').textContent()).toContain('downscaled');
    await shot('bad-inputs');
  });

  it('converts a dropped checkpoint, keeps it after a reload, and refuses a truncated one', async () => {
    const { page } = session;
    const dropCheckpoint = (name: string, bytes?: number) =>
      page.evaluate(
        async ({ url, name, bytes }) => {
          const data = await (await fetch(url)).arrayBuffer();
          const dt = new DataTransfer();
          dt.items.add(new File([bytes ? data.slice(0, bytes) : data], name));
          document.querySelector('main')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        { url: `${FIXTURE_ROUTE}mini_gc.zip.pt`, name, bytes },
      );
    await dropCheckpoint('mini_gc.zip.pt');
    await page.getByTestId('conversion-progress').waitFor();
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 120_000 }).toMatch(/^mini-gc/);
    await page.getByTestId('load-progress').waitFor({ state: 'detached' });
    await page.locator(BARS).first().waitFor();
    const storedId = await page.getByTestId('model-picker').inputValue();

    // The reference input through the test hook: posteriors = softmax of the reference logits.
    const x = await fixture('mini_x.f32');
    const image0 = Float32Array.from({ length: 48 * 48 * 3 }, (_, i) => x[(i % 3) * 48 * 48 + Math.floor(i / 3)]);
    const posterior = await page.evaluate(async (data) => {
      const { client } = (window as unknown as { gcLens: { client: { call(t: string, a: object): Promise<{ result: { posterior: Float32Array } }> } } }).gcLens;
      return Array.from((await client.call('classify', { input: { kind: 'tensor', data: Float32Array.from(data), batch: 1 } })).result.posterior);
    }, Array.from(image0));
    const logits = Array.from((await fixture('mini_logits.f32')).subarray(0, 10));
    const max = Math.max(...logits);
    const total = logits.reduce((s, l) => s + Math.exp(l - max), 0);
    for (const [y, l] of logits.entries()) expect(Math.abs(posterior[y] - Math.exp(l - max) / total), `class ${y}`).toBeLessThan(2e-3);

    await page.reload();
    await page.locator(BARS).first().waitFor();
    expect(
      await page
        .getByTestId('model-picker')
        .locator('option')
        .evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value)),
    ).toContain(storedId);

    await page.getByTestId('model-picker').selectOption('reference-mini');
    await page.getByTestId('load-progress').waitFor({ state: 'detached' });
    await dropCheckpoint('cut.pt', 100_000);
    await expect.poll(errorText, { timeout: 60_000 }).toMatch(/cut\.pt|truncat|damaged|incomplete|end/i);
    expect(await page.getByTestId('model-picker').inputValue()).toBe('reference-mini');
    await page.locator('[data-gallery-id="disc"]').click();
    await waitForInput(page, 'red disc');
    expect((await readBars(page)).size).toBe(10);
    await shot('checkpoint');
  }, 240_000);
});
