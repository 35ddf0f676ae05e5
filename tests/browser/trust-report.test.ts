import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures';
import { requirePythonTorch } from '../helpers/requirements';
import { fashionTestImages, greyPng, mnistTestDigits, pythonTrustMetrics } from '../helpers/trustData';
import { writeZip } from '../helpers/zipWriter';
import { ROOT, recordDownloads } from './app-helpers';
import { auditPage } from './axe';
import { useBrowserSession } from './session';

const MNIST = 300;
const FASHION = 100;
const POLL = { timeout: 240_000, interval: 250 };

/** MNIST digits in folders named by their class index, Fashion-MNIST in "fashion", a text file among the digits. */
async function writeImageFolder(root: string): Promise<void> {
  const digits = await mnistTestDigits(MNIST);
  const fashion = await fashionTestImages(FASHION);
  for (let y = 0; y < 10; y++) await mkdir(join(root, 'set', String(y)), { recursive: true });
  await mkdir(join(root, 'set', 'fashion'), { recursive: true });
  for (const [i, pixels] of digits.images.entries())
    await writeFile(join(root, 'set', String(digits.labels[i]), `mnist-${String(i).padStart(3, '0')}.png`), greyPng(pixels));
  for (const [i, pixels] of fashion.images.entries())
    await writeFile(join(root, 'set', 'fashion', `fashion-${String(i).padStart(3, '0')}.png`), greyPng(pixels));
  await writeFile(join(root, 'set', '3', 'notes.txt'), 'not an image');
}

interface CsvRow {
  file: string;
  folder: string;
  labelIndex: number | null;
  predicted: number;
  confidence: number;
  negLogPx: number;
}

function parseCsv(text: string): CsvRow[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const f = line.split(',');
    return {
      file: f[at('file')],
      folder: f[at('folder')],
      labelIndex: f[at('label_index')] === '' ? null : Number(f[at('label_index')]),
      predicted: Number(f[at('predicted_index')]),
      confidence: Number(f[at('p_y_given_x')]),
      negLogPx: Number(f[at('neg_log_px_nats')]),
    };
  });
}

const value = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

describe('trust report, end to end in headless Chromium', () => {
  const session = useBrowserSession({ viewport: { width: 1300, height: 1000 }, timeout: 90_000 });
  let root: string;
  let python: string;

  beforeAll(async () => {
    python = requirePythonTorch();
    root = await tempDir('trust-');
    await writeImageFolder(root);
  });

  async function openApp(page: Page): Promise<void> {
    await page.goto(`${session.url}?backend=wasm&debug#v=1&model=mnist-beta2&panels=trust`);
    await page.getByTestId('trust-input').waitFor({ state: 'attached', timeout: 90_000 });
    await expect
      .poll(
        () => page.evaluate(() => Boolean((window as unknown as { gcLens: { store: { getState(): { model: unknown } } } }).gcLens.store.getState().model)),
        POLL,
      )
      .toBe(true);
  }

  it('a folder of MNIST and Fashion-MNIST gives the accuracy, ECE and typicality AUROC of evaluate.py', async () => {
    const { page } = session;
    await openApp(page);
    await page.getByTestId('trust-input').setInputFiles(join(root, 'set'));
    const folders = page.getByTestId('trust-folders');
    await folders.waitFor();
    // The preview: digit folders matched by index, "fashion" unlabelled with a message.
    expect(await folders.locator('tbody tr').count()).toBe(11);
    expect(await folders.locator('tr[data-folder="set/7"] [data-testid="trust-folder-label"]').inputValue()).toBe('7');
    expect(await folders.locator('tr[data-folder="set/fashion"] [data-testid="trust-folder-label"]').inputValue()).toBe('');
    expect(await page.getByTestId('trust-notes').textContent()).toContain('“fashion” matches no class name or index (0–9)');
    await folders.locator('tr[data-folder="set/fashion"] [data-testid="trust-folder-role"]').selectOption('out');
    await mkdir(join(ROOT, 'test-results'), { recursive: true });
    await page.locator('section[data-panel="trust"]').screenshot({ path: join(ROOT, 'test-results', 'trust-preview.png') });

    await page.getByTestId('trust-run').click();
    await page.locator('[data-testid="trust-accuracy"][data-value]').waitFor({ timeout: 240_000 });
    const progress = page.getByTestId('trust-progress');
    expect(await progress.getAttribute('data-done')).toBe(String(MNIST + FASHION + 1));
    expect(await progress.getAttribute('data-total')).toBe(String(MNIST + FASHION + 1));
    // The text file is skipped, counted and named.
    const skipped = page.getByTestId('trust-skipped');
    expect(await skipped.getAttribute('data-count')).toBe('1');
    expect(await skipped.textContent()).toContain('set/3/notes.txt');

    const nextDownload = await recordDownloads(page);
    const download = async (testId: string) => (await nextDownload(() => page.getByTestId(testId).click())).bytes.toString('utf8');
    const rows = parseCsv(await download('trust-export-csv'));
    expect(rows).toHaveLength(MNIST + FASHION);
    const labelled = rows.filter((r) => r.labelIndex !== null);
    expect(labelled).toHaveLength(MNIST);
    const card = JSON.parse(await download('trust-export-json')) as { typicalityMean: { value: number; source: string } };
    expect(card.typicalityMean.source).toBe('card');
    const theirs = pythonTrustMetrics(python, {
      predicted: labelled.map((r) => r.predicted),
      confidence: labelled.map((r) => r.confidence),
      classes: 10,
      labels: labelled.map((r) => r.labelIndex),
      in_neg_log_px: labelled.map((r) => r.negLogPx),
      out_neg_log_px: rows.filter((r) => r.folder === 'set/fashion').map((r) => r.negLogPx),
      mean: card.typicalityMean.value,
    });
    const accuracy = await value(page, 'trust-accuracy');
    const ece = await value(page, 'trust-ece');
    const auroc = await value(page, 'trust-auroc');
    expect(accuracy).toBe(theirs.accuracy);
    expect(Math.abs(ece - (theirs.ece ?? Number.NaN))).toBeLessThan(1e-6);
    expect(Math.abs(auroc - (theirs.auroc ?? Number.NaN))).toBeLessThan(1e-6);
    // The numbers say something: a trained MNIST model, and Fashion-MNIST mostly told apart.
    expect(accuracy).toBeGreaterThan(0.9);
    expect(auroc).toBeGreaterThan(0.8);
    console.log(`browser trust report: accuracy ${accuracy}, ECE ${ece} (python ${theirs.ece}), AUROC ${auroc} (python ${theirs.auroc})`);
    for (const id of ['trust-reliability', 'trust-confusion', 'trust-histogram', 'trust-roc']) expect(await page.getByTestId(id).count(), id).toBe(1);
    await page.locator('section[data-panel="trust"]').screenshot({ path: join(ROOT, 'test-results', 'trust-report.png') });

    expect(await auditPage(page, 'trust report with its charts'), 'serious or critical axe-core violations (printed above)').toEqual([]);

    // Each chart exports alone, under the panel exports' caption: its name, the model, classes and folders, its method.
    const model = await page.evaluate(
      () => (window as unknown as { gcLens: { store: { getState(): { model: { entry: { name: string } } } } } }).gcLens.store.getState().model.entry.name,
    );
    const charts = {
      reliability: { name: 'reliability diagram', method: 'Reliability: accuracy per confidence bin', content: ['confidence p(ŷ|x)', '<rect'] },
      confusion: {
        name: 'confusion matrix',
        method: 'Confusion matrix: rows are labels',
        content: ['predicted class (columns, same order)', '→ predicted'],
      },
      histogram: { name: '−log p(x) histogram', method: '−log p(x) per folder', content: ['−log p(x) (nats)', 'share of the folder', '<path'] },
      roc: { name: 'ROC curve', method: 'Typicality test: flag an image', content: ['out-of-distribution flagged (TPR)', '<path'] },
    };
    const axisLabels = ['confidence p(ŷ|x)', 'predicted class (columns, same order)', '−log p(x) (nats)', 'out-of-distribution flagged (TPR)'];
    for (const [chart, { name, method, content }] of Object.entries(charts)) {
      const svgButton = page.getByRole('button', { name: `Export the ${name} as SVG` });
      expect(await svgButton.getAttribute('data-testid')).toBe(`trust-export-${chart}-svg`);
      // By keyboard: the button takes focus and Enter exports.
      await svgButton.focus();
      const svg = await nextDownload(() => page.keyboard.press('Enter'));
      expect(svg.name).toBe(`trust-${chart}.svg`);
      const text = svg.bytes.toString('utf8');
      expect(text).toContain(`<title>Trust report: ${name}</title>`);
      expect(text).toContain(`model: ${model}`);
      expect(text).toContain('class: all 10 classes');
      expect(text).toContain('folders: set/0, set/1');
      expect(text).toContain('set/fashion');
      expect(text).toContain(`method: ${method}`);
      for (const part of content) expect(text, `${chart}: ${part}`).toContain(part);
      // This chart alone, not the others.
      expect(
        axisLabels.filter((label) => text.includes(label)),
        chart,
      ).toHaveLength(1);

      const png = await nextDownload(() => page.getByRole('button', { name: `Export the ${name} as PNG` }).click());
      expect(png.name).toBe(`trust-${chart}.png`);
      await writeFile(join(ROOT, 'test-results', png.name), png.bytes);
      const image = PNG.sync.read(png.bytes);
      expect(image.width).toBeGreaterThan(200);
      expect(image.height).toBeGreaterThan(200);
      let inked = 0;
      for (let i = 0; i < image.data.length; i += 4) if (image.data[i] < 200 || image.data[i + 1] < 200 || image.data[i + 2] < 200) inked++;
      console.log(`${chart} PNG: ${image.width}×${image.height}, ${(100 * inked) / (image.width * image.height)} % drawn`);
      expect(inked / (image.width * image.height), `${chart}: share of drawn pixels`).toBeGreaterThan(0.01);
    }

    // The page's link carries the counts and metrics (at full precision), and a recipient sees them, without the images.
    await expect.poll(() => page.evaluate(() => location.hash), POLL).toContain(`trust=n:${MNIST + FASHION}`);
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain(`acc:${accuracy}`);
    expect(hash).toContain(`auroc:${auroc}`);
    const recipient = await session.context.newPage();
    await recipient.goto(`${session.url}?backend=wasm${hash}`);
    const linked = recipient.getByTestId('trust-linked');
    await linked.waitFor({ timeout: 90_000 });
    expect(await linked.textContent()).toContain(`accuracy ${(100 * accuracy).toFixed(2)} %`);
    expect(await linked.textContent()).toContain('not its images');
    await recipient.close();

    // A click on a row opens that image in the explorer.
    await page.getByTestId('trust-table').locator('tbody tr').first().getByRole('button').click();
    await expect
      .poll(
        () =>
          page.evaluate(
            () => (window as unknown as { gcLens: { store: { getState(): { input: { name: string } | null } } } }).gcLens.store.getState().input?.name,
          ),
        POLL,
      )
      .toMatch(/^(mnist|fashion)-\d{3}\.png$/);
  }, 400_000);

  it('cancel keeps the images that finished and says so', async () => {
    const { page } = session;
    await openApp(page);
    await page.getByTestId('trust-input').setInputFiles(join(root, 'set'));
    await page.getByTestId('trust-folders').waitFor();
    await page.getByTestId('trust-run').click();
    await expect.poll(async () => Number(await page.getByTestId('trust-progress').getAttribute('data-done')), POLL).toBeGreaterThan(0);
    await page.getByTestId('trust-cancel').click();
    const message = page.getByTestId('trust-message');
    await message.waitFor({ timeout: 60_000 });
    const done = Number(await page.getByTestId('trust-progress').getAttribute('data-done'));
    expect(done).toBeLessThan(MNIST + FASHION + 1);
    expect(await message.textContent()).toContain(`Cancelled after ${done} of ${MNIST + FASHION + 1} images`);
    expect(await page.locator('[data-testid="trust-accuracy"][data-value]').count()).toBe(1);
  }, 300_000);

  it('a zip with an empty folder, a zip bomb and a file that is no zip each get a clear message', async () => {
    const { page } = session;
    await openApp(page);
    const digits = await mnistTestDigits(3);
    const zip = writeZip([
      { name: 'digits/1/a.png', data: greyPng(digits.images[0]) },
      { name: 'digits/2/b.png', data: greyPng(digits.images[1]), stored: true },
      { name: 'digits/empty/', data: new Uint8Array() },
    ]);
    await page.getByTestId('trust-files').setInputFiles({ name: 'digits.zip', mimeType: 'application/zip', buffer: zip });
    await page.getByTestId('trust-folders').waitFor();
    expect(await page.getByTestId('trust-notes').textContent()).toContain('The folder “digits/digits/empty” is empty.');
    await page.getByTestId('trust-run').click();
    await page.locator('[data-testid="trust-accuracy"][data-value]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('trust-progress').getAttribute('data-done')).toBe('2');

    const zeros = new Uint8Array(64 * 1024 ** 2);
    const deflated = deflateRawSync(zeros);
    const bomb = writeZip(Array.from({ length: 4 }, (_, i) => ({ name: `x/${i}.png`, data: zeros, deflated })));
    await page.getByTestId('trust-files').setInputFiles({ name: 'bomb.zip', mimeType: 'application/zip', buffer: bomb });
    await expect.poll(async () => (await page.getByTestId('trust-notes').textContent()) ?? '', POLL).toContain('“bomb.zip” looks like a zip bomb');
    expect(await page.getByTestId('trust-notes').textContent()).toContain('There is nothing to run');

    await page.getByTestId('trust-files').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') });
    await expect.poll(async () => (await page.getByTestId('trust-notes').textContent()) ?? '', POLL).toContain('“broken.zip” cannot be read as a zip');
  }, 300_000);
});
