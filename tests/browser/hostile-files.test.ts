import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { corpusBytes, EXPECTED, HOSTILE_CHECKPOINTS, pngBomb } from '../helpers/corpus';
import { BARS, dropFile, readBars } from './app-helpers';
import { sampleMemory } from './conversionHarness';
import { useBrowserSession } from './session';

/** Every hostile class added for issue 12, and a few classic breakages. */
const FILES = [...HOSTILE_CHECKPOINTS, 'forbidden-global.zip.pt', 'huge-string.zip.pt', 'not-a-checkpoint.png', 'truncated-tiny.zip.pt'];

/** What must not change when a hostile file is refused: the bars, the model, the stored packages, the input shown. */
async function view(page: Page) {
  return {
    bars: [...(await readBars(page))],
    model: await page.getByTestId('model-picker').inputValue(),
    models: await page.getByTestId('model-picker').locator('option').allTextContents(),
    caption: await page.locator('figcaption').first().textContent(),
    store: await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      const names: string[] = [];
      for await (const [name, handle] of root as unknown as AsyncIterable<[string, FileSystemHandle]>) {
        names.push(name);
        if (handle.kind === 'directory')
          for await (const [inner] of handle as unknown as AsyncIterable<[string, FileSystemHandle]>) names.push(`${name}/${inner}`);
      }
      return names.sort();
    }),
  };
}

async function expectError(page: Page, message: string): Promise<void> {
  const error = page.getByTestId('error');
  await expect.poll(() => error.textContent(), { timeout: 60_000 }).toContain(message);
  await page.getByTestId('conversion-progress').waitFor({ state: 'detached' });
  await error.getByRole('button', { name: 'Dismiss the error' }).click();
  await error.waitFor({ state: 'detached' });
}

describe('hostile files in the app', () => {
  const session = useBrowserSession({ viewport: { width: 1200, height: 900 }, timeout: 90_000 });

  it('refuses each hostile checkpoint with its exact message, keeping the view, the store and the worker memory bounded', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm#v=1&model=reference-mini&img=g:rings`);
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 60_000 }).toBe('reference-mini');
    await page.getByTestId('load-progress').waitFor({ state: 'detached' });
    await page.locator(BARS).first().waitFor();
    const before = await view(page);
    expect(before.bars.length).toBe(10);
    const memory = await sampleMemory(session.context, page);
    for (const name of FILES) {
      const started = performance.now();
      await page.getByTestId('checkpoint-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: corpusBytes(name) });
      await expectError(page, EXPECTED[name].message);
      expect(await view(page), `${name}: the view changed`).toEqual(before);
      console.log(`${name}: refused in ${(performance.now() - started).toFixed(0)} ms`);
    }
    const peaks = await memory.stop();
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(`hostile checkpoints: worker heap peak ${mib(peaks.workerBytes)}, page ${mib(peaks.pageBytes)}, ${peaks.samples} samples`);
    expect(peaks.workerBytes).toBeLessThan(512 * 2 ** 20);
  });

  it('refuses image bombs by their header with the specific message, keeping the view', async () => {
    const { page } = session;
    const before = await view(page);
    await dropFile(page, { name: 'strip.png', type: 'image/png', bytes: pngBomb(1, 100_000, 100_000) });
    await expectError(page, '“strip.png” is 1×100000 pixels (aspect ratio 100000:1); GC Lens accepts at most 20:1');
    expect(await view(page)).toEqual(before);
    await dropFile(page, { name: 'bomb.png', type: 'image/png', bytes: pngBomb(30_000, 30_000) });
    await expectError(page, '“bomb.png” is 30000×30000 pixels (900 MP); GC Lens accepts at most 128 MP');
    expect(await view(page)).toEqual(before);
  });
});
