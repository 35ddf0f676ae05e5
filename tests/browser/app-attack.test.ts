import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BARS, RESULTS } from './app-helpers';
import { useBrowserSession } from './session';

/** The adversarial probe on the bundled MNIST model, in the built app (wasm in the worker). */
describe('attack panel, end to end in headless Chromium', () => {
  const session = useBrowserSession({ viewport: { width: 1200, height: 1000 }, timeout: 120_000 });

  it('a targeted L∞ attack turns the gallery 0 into a 6, reports the ε bracket, and can be canceled', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm#v=1&model=mnist-beta2&img=g:mnist-0&panels=input,posterior,attack`);
    await page.locator(BARS).first().waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('predicted-class').textContent()).toBe('0');
    const panel = page.locator('section[data-panel="attack"]');

    // A long attack is canceled: no result, the button back.
    await page.getByTestId('attack-steps').fill('2000');
    await page.getByTestId('attack-steps').press('Enter');
    await page.getByTestId('attack-run').click();
    await expect.poll(async () => Number(await page.getByTestId('attack-progress').getAttribute('data-done')), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByTestId('attack-cancel').click();
    await page.getByTestId('attack-progress').waitFor({ state: 'detached' });
    expect(await page.getByTestId('attack-result').count()).toBe(0);
    expect(await page.getByTestId('attack-run').isEnabled()).toBe(true);

    await page.getByTestId('attack-target').selectOption('6');
    await page.getByTestId('attack-epsilon').fill('64');
    await page.getByTestId('attack-step-size').fill('12');
    await page.getByTestId('attack-steps').fill('10');
    await page.getByTestId('attack-search').fill('4');
    await page.getByTestId('attack-search').press('Enter');
    await page.getByTestId('attack-run').click();
    const result = page.getByTestId('attack-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.getAttribute('data-flipped')).toBe('true');
    expect(Number(await result.getAttribute('data-epsilon'))).toBe(64);
    expect(await result.textContent()).toContain('flipped: 0 → 6');
    expect(await result.textContent()).toContain('rounded to 8 bits');
    // Sign steps reach the budget on wasm as on the cpu backend (tests/attack-wasm.test.ts).
    expect(await result.textContent()).toContain('‖δ‖∞ = 64');
    const bracket = page.getByTestId('attack-min-epsilon');
    const lower = Number(await bracket.getAttribute('data-lower'));
    const upper = Number(await bracket.getAttribute('data-upper'));
    expect(lower).toBeLessThan(upper);
    expect(upper).toBeLessThanOrEqual(64);
    expect(upper - lower).toBeLessThanOrEqual(64 / 16);
    // The perturbed digit is far from the training data: the typicality line says so.
    expect(await page.getByTestId('attack-typicality').getAttribute('data-level')).toBe('atypical');
    console.log('attack panel:', await result.textContent());

    await mkdir(RESULTS, { recursive: true });
    await panel.screenshot({ path: join(RESULTS, 'attack-panel.png') });
    await page.screenshot({ path: join(RESULTS, 'attack-page.png'), fullPage: true });

    // The panel exports as PNG and SVG with its three pictures (canvases become images).
    const files = await page.evaluate(async () => {
      const got: { name: string; bytes: number[] }[] = [];
      const done = new Promise<void>((resolve) =>
        window.addEventListener('gc-lens-download', async (e) => {
          const { blob, fileName } = (e as CustomEvent<{ blob: Blob; fileName: string }>).detail;
          got.push({ name: fileName, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) });
          if (got.length === 2) resolve();
        }),
      );
      for (const b of document.querySelectorAll<HTMLButtonElement>('section[data-panel="attack"] .panel-export button')) b.click();
      await done;
      return got;
    });
    expect(files.map((f) => f.name).sort()).toEqual([expect.stringMatching(/\.png$/), expect.stringMatching(/\.svg$/)]);
    const svg = Buffer.from(files.find((f) => f.name.endsWith('.svg'))!.bytes).toString('utf8');
    expect((svg.match(/<image/g) ?? []).length).toBeGreaterThanOrEqual(3);

    // A bad value is refused with a message and the previous one kept.
    await page.getByTestId('attack-epsilon').fill('-3');
    await expect.poll(() => panel.getByRole('alert').first().textContent()).toContain('a number of at least 0; kept 64');
    await page.getByTestId('attack-epsilon').fill('64');

    // The attacked 8-bit image becomes the input: the posterior panel agrees with the attack's verdict.
    await page.getByTestId('attack-explore').click();
    await page.locator('figcaption', { hasText: 'attacked' }).first().waitFor();
    await expect.poll(() => page.getByTestId('predicted-class').textContent()).toBe('6');
    expect(await page.getByTestId('attack-result').count()).toBe(0);
  }, 300_000);
});
