/** A newcomer's words: the tour, help on every quantity, the random-weight model named, legends and numbers that read right. */
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BARS } from './app-helpers';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };
const MNIST = '#v=1&model=mnist-beta2&img=g:mnist-0';
const ALL_PANELS = '&panels=input,posterior,map,latent,calibration';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, outer: Box, slack = 0.5) =>
  a.x >= outer.x - slack && a.y >= outer.y - slack && a.x + a.width <= outer.x + outer.width + slack && a.y + a.height <= outer.y + outer.height + slack;
/** Numbers as the page prints them (minus sign U+2212). */
const parse = (text: string) => Number(text.trim().replace('\u2212', '-'));

describe('GC Lens for a newcomer (wasm)', () => {
  const session = useBrowserSession({ viewport: { width: 1300, height: 1000 }, timeout: 90_000 });

  async function open(hash: string): Promise<Page> {
    const page = await session.context.newPage();
    await page.goto(`${session.url}?backend=wasm${hash}`);
    await page.locator(BARS).first().waitFor(POLL);
    return page;
  }

  it('offers a first visit a tour that covers nothing, points at the panels and does not come back once closed', async () => {
    const page = await session.context.newPage();
    await page.goto(`${session.url}?backend=wasm`);
    await page.locator(BARS).first().waitFor(POLL);
    const tour = page.getByTestId('tour');
    expect(await tour.getAttribute('data-step')).toBe('input');
    expect(await page.locator('[data-panel="input"][data-tour-target]').count()).toBe(1);
    // In the page flow: the drop zone stays uncovered and is what a pointer there reaches.
    const zone = (await page.getByTestId('drop-zone').boundingBox())!;
    expect(overlaps((await tour.boundingBox())!, zone)).toBe(false);
    const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('[data-testid="drop-zone"]') !== null, {
      x: zone.x + 10,
      y: zone.y + zone.height / 2,
    });
    expect(hit).toBe(true);

    await page.getByTestId('tour-next').click();
    expect(await tour.getAttribute('data-step')).toBe('posterior');
    expect(await page.locator('[data-tour-target]').getAttribute('data-panel')).toBe('posterior');
    await page.getByTestId('tour-close').click();
    expect(await tour.count()).toBe(0);
    expect(await page.locator('[data-tour-target]').count()).toBe(0);

    await page.reload();
    await page.locator(BARS).first().waitFor(POLL);
    expect(await page.getByTestId('tour').count()).toBe(0);
    await page.getByTestId('tour-open').click();
    expect(await page.getByTestId('tour').getAttribute('data-step')).toBe('input');
    await page.close();

    // A permalink opens on what it carries: no tour, even on a first visit.
    const fresh = await session.context.browser()!.newContext();
    try {
      const linked = await fresh.newPage();
      await linked.goto(`${session.url}?backend=wasm${MNIST}`);
      await linked.locator(BARS).first().waitFor(POLL);
      expect(await linked.getByTestId('tour').count()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('says what the app is, and explains every number by keyboard, not hover', async () => {
    const page = await open(MNIST + ALL_PANELS);
    expect(await page.getByTestId('what-it-is').textContent()).toMatch(/generative classifier.*trust.*unlike anything it was trained on.*counterfactual/s);
    const terms = await page
      .locator('[data-panel="posterior"] .summary dt')
      .evaluateAll((dts) => dts.map((dt) => [dt.textContent?.trim() ?? '', dt.querySelector('.help-button') !== null] as const));
    expect(terms.filter(([name, helped]) => name !== 'predicted class' && !helped)).toEqual([]);
    expect(terms.length).toBe(4);
    // −log p(x) of an MNIST digit is negative, and the page says why where it says the number.
    expect(await page.getByTestId('typicality').textContent()).toMatch(/−log p\(x\) = −\d+\.\d nats/);
    expect(await page.getByTestId('negative-nll-note').textContent()).toMatch(/density of normalised pixel values can exceed 1/);
    await page.getByTestId('reconstruction-error').waitFor();
    for (const testId of ['help-negativeLogEvidence', 'help-typicality', 'help-logLikelihood', 'help-reconstructionError', 'help-ece', 'help-latentFit'])
      expect(await page.getByTestId(testId).count(), testId).toBeGreaterThan(0);

    const button = page.locator('[data-panel="posterior"]').getByTestId('help-bitsPerDim');
    const note = page.locator(`[id="${await button.getAttribute('aria-controls')}"]`);
    expect(await note.isVisible()).toBe(false);
    await button.focus();
    await page.keyboard.press('Enter');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toMatch(/bits\/dim.*per pixel/s);
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await note.isVisible()).toBe(false);

    // Every metric of the model card has its help too.
    const metrics = await page
      .locator('[data-testid="model-card"] li[data-metric]')
      .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-metric'), li.querySelector('.help-button') !== null] as const));
    expect(metrics.length).toBeGreaterThan(2);
    expect(metrics.filter(([, helped]) => !helped)).toEqual([]);
    await page.close();
  });

  it('shows ECE the same way on the model card and in the calibration panel', async () => {
    const page = await open(MNIST + ALL_PANELS);
    const card = await page.locator('[data-testid="model-card"] li[data-metric="expected calibration error"] .metric-value').textContent();
    const panel = await page.getByTestId('ece-value').textContent();
    expect(card).toBe('4.34 %');
    expect(panel).toBe(card);
    await page.close();
  });

  it('names the random-weight model in the picker and on its posterior', async () => {
    const page = await open('#v=1&model=reference-mini&img=g:rings');
    expect(await page.locator('[data-testid="model-picker"] option[value="reference-mini"]').textContent()).toMatch(/^Random weights/);
    const badge = page.getByTestId('random-weights');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toMatch(/random weights.*mean nothing/is);
    await page.close();
    // A trained model shows no such badge.
    const trained = await open(MNIST);
    expect(await trained.getByTestId('random-weights').count()).toBe(0);
    await trained.close();
  });

  it('labels color legends without overlap or clipping', async () => {
    const page = await open(`${MNIST}&map=input-gradient${ALL_PANELS}`);
    await page.getByTestId('likelihood-map').waitFor(POLL);
    const legends = [page.getByTestId('likelihood-map'), page.locator('[data-panel="input"] svg.heatmap')];
    for (const svg of legends) {
      const frame = (await svg.boundingBox())!;
      const ticks = await textBoxes(svg.locator('g.tick text'));
      expect(ticks.map((t) => t.text)).toHaveLength(3);
      for (let i = 1; i < ticks.length; i++) expect(overlaps(ticks[i - 1], ticks[i]), `${ticks[i - 1].text} / ${ticks[i].text}`).toBe(false);
      for (const t of [...ticks, ...(await textBoxes(svg.locator(':scope > text')))]) expect(inside(t, frame), `“${t.text}” inside its legend`).toBe(true);
    }
    await page.close();
  });

  it('says that occlusion shows changes and gives the unoccluded total, which the posterior confirms', async () => {
    const page = await open(`${MNIST}&map=occlusion${ALL_PANELS}`);
    await expect.poll(() => page.getByTestId('map-facts').getAttribute('data-method'), POLL).toBe('occlusion');
    const words = (await page.getByTestId('map-explanation').textContent())?.trim() ?? '';
    expect(words).toMatch(/^each cell: the mean change of log p\(x \| 0\) when a 8 px patch over it is filled; unoccluded, log p\(x \| 0\) = (\S+) nats$/);
    const total = /= (\S+) nats$/.exec(words)![1];
    const row = page.locator('[data-testid="posterior-chart"] g.row').filter({ has: page.locator('text.label', { hasText: /^0$/ }) });
    expect(await row.locator('text.likelihood').textContent()).toBe(total);
    await page.close();
  });

  it('prints the counterfactual chart’s second column: −½‖z′ − μ_y‖², largest for the most probable class', async () => {
    const page = await open(MNIST + ALL_PANELS);
    const chart = page.getByTestId('counterfactual-posterior');
    await chart.locator('g.row').first().waitFor(POLL);
    const rows = await chart
      .locator('g.row')
      .evaluateAll((gs) => gs.map((g) => [g.querySelector('text.label')?.textContent ?? '', g.querySelector('text.likelihood')?.textContent ?? ''] as const));
    const classRows = rows.filter(([label]) => !label.includes('other classes'));
    expect(classRows.length).toBeGreaterThan(2);
    const values = classRows.map(([, v]) => parse(v));
    expect(values.every(Number.isFinite), JSON.stringify(classRows)).toBe(true);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(await chart.locator('text.head').allTextContents()).toEqual(['p(y|x)', '−½‖z′ − μ_y‖², nats']);
    await page.close();
  });

  it('keeps the counterfactual’s chart right under its image, however tall the sliders beside it', async () => {
    const page = await open(MNIST + ALL_PANELS);
    await page.getByTestId('counterfactual-posterior').locator('g.row').first().waitFor(POLL);
    const image = (await page.getByTestId('counterfactual-image').boundingBox())!;
    const chart = (await page.getByTestId('counterfactual-posterior').boundingBox())!;
    const sliders = (await page.locator('.latent-layout > :first-child').boundingBox())!;
    // The sliders' column is the taller one: the rows beside it must not spread over its height.
    expect(sliders.height).toBeGreaterThan(image.height + chart.height + 200);
    // At most the caption and the chart's key lie between them.
    expect(chart.y - (image.y + image.height)).toBeLessThan(70);
    await page.close();
  });

  it('puts z′ on each latent strip under its slider’s thumb', async () => {
    const page = await open(MNIST + ALL_PANELS);
    const first = page.locator('input[data-testid="latent-slider"][data-direction^="dim-"]').first();
    await first.waitFor(POLL);
    const row = page.locator(`.slider-row:has(input[data-direction="${await first.getAttribute('data-direction')}"])`);
    const slider = row.locator('input');
    const marker = row.locator('g.mark[data-mark="z"] circle');
    const offset = async () => {
      const thumb = await thumbCenter(slider);
      const box = (await marker.boundingBox())!;
      return Math.abs(box.x + box.width / 2 - thumb);
    };
    expect(await offset()).toBeLessThan(2);
    const [min, max] = [Number(await slider.getAttribute('min')), Number(await slider.getAttribute('max'))];
    for (const at of [0.15, 0.85]) {
      await slider.fill(String(Math.round((min + at * (max - min)) * 20) / 20));
      await slider.blur();
      await expect.poll(offset, { timeout: 10_000 }).toBeLessThan(2);
    }
    await page.close();
  });
});

async function textBoxes(texts: Locator): Promise<(Box & { text: string })[]> {
  const boxes = [];
  for (const t of await texts.all()) boxes.push({ ...(await t.boundingBox())!, text: (await t.textContent()) ?? '' });
  return boxes;
}

/**
 * The page x of a range input's thumb, measured in a screenshot: the middle of the non-white pixels in a row
 * above the track, where only the thumb is drawn.
 */
async function thumbCenter(slider: Locator): Promise<number> {
  const box = (await slider.boundingBox())!;
  const png = PNG.sync.read(await slider.screenshot({ scale: 'css' }));
  const y = Math.floor(png.height / 2) - 5;
  const dark: number[] = [];
  for (let x = 0; x < png.width; x++) {
    const i = 4 * (y * png.width + x);
    if (png.data[i] + png.data[i + 1] + png.data[i + 2] < 3 * 200) dark.push(x);
  }
  if (dark.length === 0) throw new Error('no thumb found in the slider’s screenshot');
  return box.x + (dark[0] + dark[dark.length - 1] + 1) / 2;
}
