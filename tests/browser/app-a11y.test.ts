import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MAP_METHODS } from '../../src/explain/mapMethods';
import { BARS, probePng, RESULTS, ROOT, waitForInput } from './app-helpers';
import { type AxeFinding, auditPage } from './axe';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };
const MODELS: { id: string }[] = JSON.parse(readFileSync(join(ROOT, 'public', 'models', 'index.json'), 'utf8')).models;

/** Opens the app on its first model with a gallery image explained. */
async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(`${url}?backend=wasm`);
  await whenExplained(page);
}

/** Waits until the posterior, the map and the counterfactual are drawn. */
async function whenExplained(page: Page): Promise<void> {
  await page.locator(BARS).first().waitFor(POLL);
  await page.getByTestId('likelihood-map').waitFor(POLL);
  await page.getByTestId('counterfactual-image').waitFor(POLL);
}

async function mapShows(page: Page, method: string): Promise<void> {
  await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe(method);
  await page.locator('[data-panel="map"][aria-busy]').waitFor({ state: 'detached', ...POLL });
}

const counterfactualPixels = (page: Page) => page.getByTestId('counterfactual-image').evaluate((c: HTMLCanvasElement) => c.toDataURL());

describe('accessibility in Chromium: axe-core audit and keyboard only', () => {
  const session = useBrowserSession({ viewport: { width: 1200, height: 900 }, timeout: 90_000 });

  it('has no serious or critical axe-core violation in the main states', async () => {
    const { page } = session;
    const failing: AxeFinding[] = [];
    const audit = async (state: string) => failing.push(...(await auditPage(page, state)));
    await openApp(page, session.url);
    await audit('model loaded, image explained');

    for (const method of MAP_METHODS) {
      await page.getByTestId(`map-method-${method}`).check();
      await mapShows(page, method);
      await audit(`map method ${method}`);
    }

    const before = await counterfactualPixels(page);
    await page.getByTestId('latent-slider').first().fill('0.8');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('false');
    await expect.poll(() => counterfactualPixels(page), POLL).not.toBe(before);
    await audit('latent editor, a slider moved');

    await page.getByTestId('sample-seed').fill('7');
    await page.locator('[data-panel="samples"][aria-busy]').waitFor({ state: 'detached', ...POLL });
    await page.getByTestId('samples').waitFor(POLL);
    await audit('samples, seed 7');

    await page.locator('[data-testid="model-card"] > summary').click();
    await page.locator('[data-testid="checkpoint-help"] > summary').click();
    await page.locator('.panel-toggles > summary').click();
    await page.getByLabel('Interpolation', { exact: true }).check();
    await audit('model card, checkpoint help and panel list open');

    await page.getByTestId('interpolation-gallery').selectOption({ index: 2 });
    await page.getByTestId('interpolation').waitFor(POLL);
    await page.getByTestId('compare-model').selectOption(MODELS[1].id);
    await page.getByTestId('compare-posterior-chart').waitFor(POLL);
    await audit('interpolation and a second model compared');

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'app-a11y-audited.png'), fullPage: true });
    expect(failing, 'serious or critical axe-core violations (printed above)').toEqual([]);
  }, 600_000);

  it('reaches, names, shows the focus of and operates every control with the keyboard alone', async () => {
    const { page } = session;
    await openApp(page, session.url);
    // biome-ignore lint/performance/useDomNodeTextContent: the wording shown is what counts, not the hidden alternative
    const dropText = await page.getByTestId('drop-zone').innerText();
    expect(dropText, 'a mouse and keyboard get the drop/paste wording').toContain('Drop an image');
    expect(await page.getByTestId('camera-input').isVisible(), 'no camera button without a touch screen').toBe(false);

    // Tab from page load around the whole page, then again with every disclosure opened by Enter.
    const walk = await walkAndCheck(page);
    for (let opened = 0; (await page.locator('details:not([open]) > summary').count()) > 0; opened++) {
      expect(opened, 'disclosures opened by Enter').toBeLessThan(20);
      await tabTo(page, 'details:not([open]) > summary');
      await page.keyboard.press('Enter');
    }
    const openWalk = await walkAndCheck(page);
    expect(openWalk.length).toBeGreaterThan(walk.length);
    for (const testId of ['file-input', 'checkpoint-input', 'model-picker', 'latent-slider', 'map-target'])
      expect(
        walk.some((f) => f.testId === testId),
        `Tab reaches ${testId}`,
      ).toBe(true);
    const exports = walk.filter((f) => /^Export the “.+” panel as (PNG|SVG)$/.test(f.name));
    expect(exports.length, 'export buttons named by panel and format').toBe(2 * (await page.locator('section.panel').count()));
    console.log(`Tab reached ${openWalk.length} controls with the disclosures open:\n${openWalk.map((f) => `  ${f.role} “${f.name}”`).join('\n')}`);

    // A panel toggle: Space shows the interpolation panel.
    await tabTo(page, '.panel-toggles input[type="checkbox"]:not(:checked)');
    await page.keyboard.press('Space');
    await page.locator('[data-panel="interpolation"]').waitFor(POLL);

    // The image file picker: Space opens it, and the chosen file is classified. Once the new panel has settled: a
    // re-render under a pressed key is not what is tested here (this step timed out once under a loaded CI run).
    await expect.poll(() => page.locator('section[aria-busy]').count(), POLL).toBe(0);
    await tabTo(page, '[data-testid="file-input"]');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press('Space')]);
    await chooser.setFiles({ name: 'keyboard.png', mimeType: 'image/png', buffer: probePng(5).buffer });
    await waitForInput(page, 'keyboard.png');

    // The checkpoint picker, back up in the header: Enter opens it, once the new image's panels have settled (the
    // reconstruction and the maps arrive after the posteriors; a key pressed during their re-render was lost once in CI).
    await expect.poll(() => page.locator('section[aria-busy]').count(), POLL).toBe(0);
    await page.getByTestId('reconstruction-error').waitFor(POLL);
    // Under a loaded CI run, one Enter in four rehearsals opened nothing here: a second press says whether the focus
    // had moved (printed), and the step still fails if Enter never opens the picker.
    const enterOpensChooser = async () => {
      await tabTo(page, '[data-testid="checkpoint-input"]', 'Shift+Tab');
      const opened = page.waitForEvent('filechooser', { timeout: 5_000 }).catch(() => null);
      await page.keyboard.press('Enter');
      return opened;
    };
    let checkpointChooser = await enterOpensChooser();
    if (!checkpointChooser) {
      const focus = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
      console.log(`Enter on the checkpoint picker opened no file chooser within 5 s (focus then on ${focus}); pressing it again`);
      checkpointChooser = await enterOpensChooser();
    }
    expect(checkpointChooser, 'Enter opens the checkpoint picker').not.toBeNull();
    expect(await checkpointChooser!.element().getAttribute('accept')).toBe('.pt,.pth');

    // The model picker: arrow keys choose the next model and back.
    await tabTo(page, '[data-testid="model-picker"]', 'Shift+Tab');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), POLL).toBe(MODELS[1].id);
    await page.getByTestId('load-progress').waitFor({ state: 'detached', ...POLL });
    await page.locator(BARS).first().waitFor(POLL);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), POLL).toBe(MODELS[0].id);
    await page.getByTestId('load-progress').waitFor({ state: 'detached', ...POLL });
    await whenExplained(page);

    // A map method: arrow keys move through the radio group.
    await tabTo(page, 'input[name="map-method"]:checked');
    const first = await page.evaluate(() => (document.activeElement as HTMLInputElement).value);
    await page.keyboard.press('ArrowRight');
    const next = await page.evaluate(() => (document.activeElement as HTMLInputElement).value);
    expect(next).not.toBe(first);
    await mapShows(page, next);

    // A slider: arrow keys change the counterfactual image.
    await tabTo(page, '[data-testid="latent-slider"]');
    const before = await counterfactualPixels(page);
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('counterfactual-state').getAttribute('data-original'), POLL).toBe('false');
    await expect.poll(() => counterfactualPixels(page), POLL).not.toBe(before);

    // Export buttons: Enter on the posterior's PNG, Space on the map's SVG.
    await page.evaluate(() => {
      const names: string[] = [];
      (window as unknown as { downloads: string[] }).downloads = names;
      window.addEventListener('gc-lens-download', (e) => names.push((e as CustomEvent<{ fileName: string }>).detail.fileName));
    });
    const downloads = () => page.evaluate(() => (window as unknown as { downloads: string[] }).downloads);
    await tabTo(page, 'button[aria-label="Export the “Posterior” panel as PNG"]', 'Shift+Tab');
    await page.keyboard.press('Enter');
    await expect.poll(downloads, POLL).toEqual(['posterior.png']);
    await tabTo(page, 'button[aria-label="Export the “Likelihood maps” panel as SVG"]');
    await page.keyboard.press('Space');
    await expect.poll(downloads, POLL).toEqual(['posterior.png', 'likelihood-map.svg']);
  }, 600_000);
});

interface FocusStop {
  testId: string | null;
  /** Chromium's accessibility tree: what a screen reader announces. */
  role: string;
  name: string;
  focusVisible: boolean;
  html: string;
  /** Focused before in this page. */
  again: boolean;
}

/** What has focus: its role and name in Chromium's accessibility tree, and whether a focus indicator is drawn (on the label of a visually hidden input). */
async function focusStop(page: Page, cdp: CDPSession): Promise<FocusStop | null> {
  const described = await page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const page = window as unknown as { focusedByTab?: Set<Element> };
    page.focusedByTab ??= new Set();
    const again = page.focusedByTab.has(e);
    page.focusedByTab.add(e);
    const hidden = e.getBoundingClientRect().width <= 1;
    const shown = (hidden ? e.closest('label') : e) ?? e;
    const style = getComputedStyle(shown);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
    return { again, testId: e.getAttribute('data-testid'), focusVisible: outline || style.boxShadow !== 'none', html: e.outerHTML.slice(0, 160) };
  });
  if (!described) return null;
  const { result } = await cdp.send('Runtime.evaluate', { expression: 'document.activeElement' });
  const { node } = await cdp.send('DOM.describeNode', { objectId: result.objectId });
  const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { backendNodeId: node.backendNodeId, fetchRelatives: false });
  const ax = nodes[0];
  return { ...described, role: String(ax?.role?.value ?? ''), name: String(ax?.name?.value ?? '').trim() };
}

/** Tabs around the page once: every control Tab must reach is reached, named, and shows its focus. */
async function walkAndCheck(page: Page): Promise<FocusStop[]> {
  const walk = await tabAround(page);
  expect(
    walk.filter((f) => !f.name),
    'focused controls without an accessible name',
  ).toEqual([]);
  expect(
    walk.filter((f) => !f.focusVisible),
    'focused controls without a visible focus indicator',
  ).toEqual([]);
  const missed = await page.evaluate(() => {
    const seen = (window as unknown as { focusedByTab: Set<Element> }).focusedByTab;
    return tabbableControls()
      .filter((e) => !seen.has(e))
      .map((e) => e.outerHTML.slice(0, 160));
    // The controls Tab must reach: shown (not in a closed disclosure), enabled, one radio per group (arrow keys move within it).
    function tabbableControls(): Element[] {
      const all = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')];
      return all.filter((e) => {
        if ((e as HTMLButtonElement).disabled || e.getAttribute('tabindex') === '-1') return false;
        if (!e.checkVisibility({ visibilityProperty: true })) return false;
        const radio = e as HTMLInputElement;
        return !(radio.type === 'radio' && !radio.checked && document.querySelector(`input[type="radio"][name="${radio.name}"]:checked`));
      });
    }
  });
  expect(missed, 'controls that Tab never reaches').toEqual([]);
  return walk;
}

/** Presses Tab until focus comes back to a control it reached before; every stop once. */
async function tabAround(page: Page): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  await page.evaluate(() => delete (window as unknown as { focusedByTab?: Set<Element> }).focusedByTab);
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('Accessibility.enable');
    for (let presses = 0; presses < 400; presses++) {
      await page.keyboard.press('Tab');
      const stop = await focusStop(page, cdp);
      if (stop?.again) return stops;
      if (stop) stops.push(stop);
    }
  } finally {
    await cdp.detach();
  }
  throw new Error(`focus did not come back to the first control within 400 Tab presses (${stops.length} stops)`);
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`. */
async function tabTo(page: Page, selector: string, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let presses = 0; presses < 300; presses++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${key} never reached ${selector}`);
}
