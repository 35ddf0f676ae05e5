import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures';
import { greyPng, mnistTestDigits } from '../helpers/trustData';
import { ROOT, recordDownloads } from './app-helpers';
import { useBrowserSession } from './session';

const DIGITS = 24;
const POLL = { timeout: 240_000, interval: 250 };

type Debug = { gcLens: { store: { getState(): { model: unknown; input: { name: string } | null; chooseGallery(id: string): Promise<void> } } } };

const value = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

async function fill(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).fill(text);
  await page.getByTestId(testId).press('Enter');
}

describe('trust report: the batch attack, in headless Chromium', () => {
  const session = useBrowserSession({ viewport: { width: 1300, height: 1000 }, timeout: 90_000 });
  let root: string;

  beforeAll(async () => {
    root = await tempDir('trust-attack-');
    const digits = await mnistTestDigits(DIGITS);
    for (let y = 0; y < 10; y++) await mkdir(join(root, 'set', String(y)), { recursive: true });
    for (const [i, pixels] of digits.images.entries()) await writeFile(join(root, 'set', String(digits.labels[i]), `mnist-${i}.png`), greyPng(pixels));
  });

  it('attacks every image of the folder with the panel settings; a new explorer image leaves it running; the figures reach the JSON and the link', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm&debug#v=1&model=mnist-beta2&panels=trust,attack`);
    await expect.poll(() => page.evaluate(() => Boolean((window as unknown as Debug).gcLens.store.getState().model)), POLL).toBe(true);
    await page.getByTestId('trust-input').setInputFiles(join(root, 'set'));
    await page.getByTestId('trust-folders').waitFor();
    await page.getByTestId('trust-run').click();
    await page.locator('[data-testid="trust-accuracy"][data-value]').waitFor({ timeout: 240_000 });

    // The settings are the attack panel's: changed here, they show there.
    await page.getByTestId('trust-attack-norm').selectOption('l2');
    await fill(page, 'trust-attack-epsilon', '600');
    await fill(page, 'trust-attack-steps', '3');
    await fill(page, 'trust-attack-step-size', '250');
    expect(await page.getByTestId('attack-epsilon').inputValue()).toBe('600');
    await page.getByTestId('trust-attack-run').click();
    await expect.poll(async () => Number(await page.getByTestId('trust-attack-progress').getAttribute('data-total')), POLL).toBe(DIGITS);
    // A new image in the explorer does not cancel the batch attack.
    await page.evaluate(() => (window as unknown as Debug).gcLens.store.getState().chooseGallery('mnist-3'));
    await page.locator('[data-testid="trust-attack-success"][data-value]').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('trust-attack-progress').getAttribute('data-done')).toBe(String(DIGITS));
    expect(await page.getByTestId('trust-attack-message').count()).toBe(0);
    const success = await value(page, 'trust-attack-success');
    const auroc = await value(page, 'trust-attack-auroc');
    console.log(`batch attack on ${DIGITS} MNIST test digits, L2 ε = 600, 3 steps of 250: success ${success}, clean-vs-attacked typicality AUROC ${auroc}`);
    expect(success).toBeGreaterThanOrEqual(0);
    expect(success).toBeLessThanOrEqual(1);
    expect(auroc).toBeGreaterThanOrEqual(0);
    expect(auroc).toBeLessThanOrEqual(1);
    // Success is a share of the 24 images; the AUROC a share of 24² pairs, ties counted one half.
    expect(Number.isInteger(Math.round(success * DIGITS * 1e9) / 1e9)).toBe(true);
    expect(Number.isInteger(Math.round(auroc * DIGITS * DIGITS * 2 * 1e9) / 1e9)).toBe(true);

    const nextDownload = await recordDownloads(page);
    const json = JSON.parse((await nextDownload(() => page.getByTestId('trust-export-json').click())).bytes.toString('utf8'));
    expect(json.attack).toEqual({
      settings: { target: null, norm: 'l2', epsilon: 600, steps: 3, stepSize: 250 },
      attacked: DIGITS,
      successRate: success,
      typicalityAuroc: auroc,
    });

    await expect.poll(() => page.evaluate(() => location.hash), POLL).toContain(`asr:${success}`);
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain('a:l2/600/3/250/none');
    expect(hash).toContain(`aauroc:${auroc}`);
    expect(hash).toContain('atk=to:none,norm:l2,eps:600,steps:3,step:250,search:6');
    await mkdir(join(ROOT, 'test-results'), { recursive: true });
    await page.locator('section[data-panel="trust"]').screenshot({ path: join(ROOT, 'test-results', 'trust-attack.png') });

    // A recipient gets the settings in the attack panel and the figures in the trust report's summary.
    const recipient = await session.context.newPage();
    await recipient.goto(`${session.url}?backend=wasm${hash}`);
    await recipient.getByTestId('trust-linked').waitFor({ timeout: 90_000 });
    expect(await recipient.getByTestId('trust-linked').textContent()).toContain(`success ${(100 * success).toFixed(2)} %`);
    expect(await recipient.getByTestId('attack-epsilon').inputValue()).toBe('600');
    expect(await recipient.getByTestId('attack-norm').inputValue()).toBe('l2');
    await recipient.close();
  }, 400_000);
});
