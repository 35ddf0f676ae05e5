import { describe, expect, it } from 'vitest';
import { chartsDrawn } from './app-helpers';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };

/** The generative panels on the bundled MNIST β = 2 model and its gallery "0" (wasm: deterministic figures). */
describe('samples and counterfactuals a reader can see (wasm, mnist-beta2)', () => {
  const session = useBrowserSession({ viewport: { width: 1300, height: 1000 }, timeout: 90_000 });
  const changeText = async () => (await session.page.getByTestId('counterfactual-change').textContent()) ?? '';

  it('captions each typical sample with its class, p(y|x) and −log p(x), and says why the class mean is blank', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm#v=1&model=mnist-beta2&img=g:mnist-0&panels=input,posterior,latent,samples`);
    const captions = page.getByTestId('strip-caption');
    await captions.first().waitFor();
    const texts = await captions.allTextContents();
    expect(texts.length).toBe(await page.getByTestId('samples').locator('canvas').count());
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text.replace(/\s+/g, ' ')).toMatch(/^classified as \d \(p = (0\.\d{3}|1\.000)\) ?−log p\(x\) = \d+\.\d{2} bits\/dim$/);
    // The mode's bits/dim and the test images' typical range, in the model's own numbers; every sample lies inside it.
    const mode = (await page.getByTestId('samples-mode').textContent()) ?? '';
    const m = /decodes to an image of (\d\.\d\d) bits\/dim, far more likely than the test images \(typical: (\d\.\d\d)–(\d\.\d\d) bits\/dim\)/.exec(mode);
    expect(m, mode).not.toBeNull();
    const [modeBits, low, high] = (m ?? []).slice(1).map(Number);
    expect(modeBits).toBeLessThan(low);
    for (const text of texts) {
      const bits = Number(/= (\d+\.\d\d) bits\/dim/.exec(text)?.[1]);
      expect(bits).toBeGreaterThanOrEqual(low - 0.005);
      expect(bits).toBeLessThanOrEqual(high + 0.005);
    }
    const found = /T = (\d\.\d\d) \(found\)/.exec((await page.locator('section[data-panel="samples"]').textContent()) ?? '');
    expect(Number(found?.[1])).toBeGreaterThan(0.7);
    expect(await page.getByTestId('sample-temperature').isDisabled()).toBe(true);
    // Unchecked: the manual T (0.7, as in Glow) is used again.
    await page.getByTestId('sample-typical').uncheck();
    await expect.poll(() => page.locator('section[data-panel="samples"]').textContent(), POLL).toContain('temperature T = 0.70');
    expect(await page.getByTestId('sample-temperature').isDisabled()).toBe(false);
  });

  it('shows ‖x′ − x‖ and the difference image, and says so when p(y|x) flips with a change too small to see', async () => {
    const { page } = session;
    const toward = page.locator('[data-testid="latent-slider"][data-direction="toward-7"]');
    await toward.waitFor();
    const crossing = /overtakes p\(0\) at (\d\.\d\d)/.exec((await page.locator('label.slider').first().textContent()) ?? '');
    expect(crossing).not.toBeNull();
    const justPast = (Math.ceil(Number(crossing?.[1]) / 0.05 + 1e-6) * 0.05).toFixed(2);
    await toward.fill(justPast);
    await page.getByTestId('unseen-flip').waitFor();
    expect(await page.getByTestId('unseen-flip').textContent()).toMatch(
      /^The decision flipped from “0” to “7” while x′ differs from x by only rms 0\.0\d{3} \(PSNR \d\d\.\d dB/,
    );
    expect(await page.getByTestId('counterfactual-difference').locator('image, rect').count()).toBeGreaterThan(0);
    const l2 = Number(/‖x′ − x‖₂ = (\d+\.\d{3})/.exec(await changeText())?.[1]);
    expect(l2).toBeGreaterThan(0);
    expect(l2).toBeLessThan(1);
    // All the way to "7": the change is visible (PSNR under 35 dB), so the sentence goes.
    await toward.fill('1');
    await expect.poll(async () => Number(/‖x′ − x‖₂ = (\d+\.\d{3})/.exec(await changeText())?.[1]), POLL).toBeGreaterThan(l2);
    expect(await page.getByTestId('unseen-flip').count()).toBe(0);
  });

  it('the residual at −1 blanks the image and leaves p(y|x) where it was, and the panel says why', async () => {
    const { page } = session;
    await page.getByTestId('reset-sliders').click();
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('true');
    // p(y|x) only: the chart's second column (−½‖z′ − μ_y‖²) does change, by the same amount for every class.
    const posterior = async () => {
      await chartsDrawn(page);
      return page.$$eval('[data-testid="counterfactual-posterior"] [data-probability]', (rows) =>
        rows.map((r) => ({ classIndex: r.getAttribute('data-class-index'), probability: Number(r.getAttribute('data-probability')) })),
      );
    };
    const before = await posterior();
    await page.locator('[data-testid="latent-slider"][data-direction="residual"]').fill('-1');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('false');
    await page.getByTestId('counterfactual-change').waitFor();
    const after = await posterior();
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(after.map((r) => r.classIndex)).toEqual(before.map((r) => r.classIndex));
    for (const [i, row] of after.entries()) expect(Math.abs(row.probability - before[i].probability)).toBeLessThan(1e-5);
    expect(await page.getByTestId('residual-help').textContent()).toContain('stays exactly as it was');
    expect(await page.getByTestId('unseen-flip').count()).toBe(0);
  });
});
