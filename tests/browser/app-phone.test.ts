import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BARS, probePng, RESULTS, waitForInput } from './app-helpers';
import { auditPage } from './axe';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };
/** The smallest text a phone may show, in CSS pixels. */
const MIN_TEXT_PX = 11;

/** Page coordinates (not viewport) of the element's box. */
async function box(page: Page, selector: string): Promise<{ top: number; bottom: number; left: number; right: number }> {
  return page
    .locator(selector)
    .first()
    .evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right };
    });
}

describe('the app on a 390×844 phone (touch, Chromium)', () => {
  const session = useBrowserSession({ viewport: { width: 390, height: 844 }, phone: true, timeout: 90_000 });

  it('puts the image, the posterior and the counterfactual first, with text of at least 11 px and nothing wider than the screen', async () => {
    const { page } = session;
    await page.goto(`${session.url}?backend=wasm`);
    await page.locator(BARS).first().waitFor(POLL);
    await page.getByTestId('likelihood-map').waitFor(POLL);
    await page.getByTestId('counterfactual-image').waitFor(POLL);
    await mkdir(RESULTS, { recursive: true });
    // Screens, not one full-page shot: the full-page shot renders without the coarse pointer (it shows the mouse wording).
    await page.screenshot({ path: join(RESULTS, 'app-phone-first-screen.png') });

    const image = await box(page, '[data-testid="model-input"]');
    const imageFigure = await box(page, 'figure:has([data-testid="model-input"])');
    const posterior = await box(page, '[data-panel="posterior"]');
    const chart = await box(page, '[data-testid="posterior-chart"]');
    const counterfactual = await box(page, '[data-testid="counterfactual-image"]');
    const counterfactualChart = await box(page, '[data-testid="counterfactual-posterior"]');
    const slider = await box(page, '[data-testid="latent-slider"]');
    const height = await page.evaluate(() => innerHeight);
    console.log(
      `phone layout (page y, px): image ${image.top}–${image.bottom}, posterior ${posterior.top}–${posterior.bottom}, ` +
        `counterfactual ${counterfactual.top}–${counterfactualChart.bottom}, first slider ${slider.top}; screen height ${height}`,
    );
    expect(image.top, 'the image comes before the posterior').toBeLessThan(posterior.top);
    expect(
      posterior.top < height || posterior.top - imageFigure.bottom <= 16,
      `the posterior (top ${posterior.top}) starts within the first screen or right after the image and its caption (bottom ${imageFigure.bottom})`,
    ).toBe(true);
    for (const [name, b] of [
      ['the image', image],
      ['the posterior chart', chart],
      ['the counterfactual image', counterfactual],
      ['the counterfactual posterior', counterfactualChart],
    ] as const)
      expect(b.bottom, `${name} is above the first latent slider`).toBeLessThanOrEqual(slider.top);

    const small = await page.evaluate(renderedTextSizes, MIN_TEXT_PX);
    expect(small, `text drawn smaller than ${MIN_TEXT_PX} px`).toEqual([]);

    const overflow = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: innerWidth,
      clipped: [document.documentElement, document.body, document.querySelector('.app')].map((e) => e && getComputedStyle(e).overflowX),
    }));
    expect(overflow.scrollWidth, 'page width').toBeLessThanOrEqual(overflow.width);
    expect(overflow.clipped, 'no overflow hidden on the page to mask a too-wide element').toEqual(['visible', 'visible', 'visible']);

    expect(await auditPage(page, 'phone'), 'serious or critical axe-core violations (printed above)').toEqual([]);
  }, 300_000);

  it('offers the camera and the photo picker instead of drop and paste', async () => {
    const { page } = session;
    // biome-ignore lint/performance/useDomNodeTextContent: the wording shown is what counts, not the hidden alternative
    const hint = await page.getByTestId('drop-zone').innerText();
    expect(hint).not.toMatch(/drop|paste|Ctrl/i);
    expect(hint).toMatch(/photo/i);

    const camera = page.getByTestId('camera-input');
    expect(await camera.getAttribute('accept')).toBe('image/*');
    expect(await camera.getAttribute('capture')).toBe('environment');
    expect(await page.getByTestId('file-input').getAttribute('capture'), 'the photo picker lets the phone offer its library').toBeNull();
    const takePhoto = page.locator('label', { has: camera });
    const choosePhoto = page.locator('label', { has: page.getByTestId('file-input') });
    // The file inputs are named by what their labels show on a phone.
    expect(await page.getByRole('button', { name: 'Take a photo', exact: true }).getAttribute('data-testid')).toBe('camera-input');
    expect(await page.getByRole('button', { name: 'Choose a photo', exact: true }).getAttribute('data-testid')).toBe('file-input');
    for (const label of [takePhoto, choosePhoto]) {
      const size = await label.boundingBox();
      expect(size?.height ?? 0, 'a button a finger can hit').toBeGreaterThanOrEqual(24);
    }

    await page.getByTestId('drop-zone').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS, 'app-phone-choosers.png') });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), takePhoto.tap()]);
    expect(await chooser.element().getAttribute('capture')).toBe('environment');
    await chooser.setFiles({ name: 'camera.png', mimeType: 'image/png', buffer: probePng(9).buffer });
    await waitForInput(page, 'camera.png');
  }, 300_000);
});

/**
 * Runs in the page: every visible text drawn smaller than `min` CSS pixels. HTML text is its computed font size;
 * SVG text is its font size times the SVG's scale on screen (a viewBox shrunk to fit a phone shrinks its text).
 */
function renderedTextSizes(min: number): string[] {
  const small: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent?.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest('select, script, style, title')) continue;
    if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) continue;
    let size = Number.parseFloat(getComputedStyle(element).fontSize);
    if (element instanceof SVGGraphicsElement) {
      const matrix = element.getScreenCTM();
      if (matrix) size *= Math.hypot(matrix.a, matrix.b);
    }
    if (size < min - 0.01)
      small.push(`${size.toFixed(1)} px: “${text.slice(0, 40)}” in <${element.tagName.toLowerCase()} class="${element.getAttribute('class') ?? ''}">`);
  }
  for (const control of document.querySelectorAll('select, input, button'))
    if (control.checkVisibility() && control.getBoundingClientRect().width > 1) {
      const size = Number.parseFloat(getComputedStyle(control).fontSize);
      if (size < min - 0.01) small.push(`${size.toFixed(1)} px: <${control.tagName.toLowerCase()}>`);
    }
  return small;
}
