/** Shared by the app's end-to-end tests: test images, the Node reference, reading the page. */

import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { chooseBackend } from '../../src/flow/backend';
import type { ClassifierResult } from '../../src/flow/classifier';
import { loadClassifier } from '../../src/flow/loadClassifier';
import type { RgbaImage } from '../../src/formats/preprocess';
import { quantizedModelInput } from '../../src/worker/modelPixels';
import { nodePackageFiles } from '../../tools/lib/nodePackageFiles';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
export const BARS = '[data-testid="posterior-chart"] rect.bar';

/** An opaque, non-square PNG, so that the model's resize and center crop run. */
export function probePng(seed = 0): { buffer: Buffer; rgba: RgbaImage } {
  const png = new PNG({ width: 80, height: 64 });
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) png.data.set([(x * 3 + seed) % 256, (y * 4) % 256, (x * y + seed * 7) % 256, 255], 4 * (y * png.width + x));
  return { buffer: PNG.sync.write(png), rgba: { width: png.width, height: png.height, data: new Uint8Array(png.data) } };
}

/** What Node computes for the same image with the app's preprocessing (cpu backend). */
export async function classifyInNode(
  rgba: RgbaImage,
  modelDir = join(ROOT, 'public/models/reference-mini'),
): Promise<{ result: ClassifierResult; classes: string[] }> {
  await chooseBackend(['cpu']);
  const model = await loadClassifier(nodePackageFiles(modelDir));
  const { channels, height, width } = model.spec.input;
  const x = tf.tensor4d(quantizedModelInput(rgba, model.spec).data, [1, height, width, channels]);
  try {
    return { result: await model.classify(x), classes: model.spec.classes };
  } finally {
    x.dispose();
    model.dispose();
  }
}

/** Waits until no chart has a drawing pending: useDrawEffect marks a chart aria-busy until its animation frame draws it. */
export async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('svg[aria-busy="true"]'), undefined, { timeout: 90_000 });
}

/** The bars of a posterior chart, as drawn for the page's current result: class index → p(y|x). */
export async function readBars(page: Page, testId = 'posterior-chart'): Promise<Map<number, number>> {
  await chartsDrawn(page);
  const bars = await page
    .locator(`[data-testid="${testId}"] rect.bar`)
    .evaluateAll((els) => els.map((e) => [e.getAttribute('data-class-index'), Number(e.getAttribute('data-probability'))] as const));
  return new Map(bars.filter(([i]) => i !== 'rest').map(([i, p]) => [Number(i), p]));
}

/** Waits until the model input caption names the file, i.e. the page shows that image's result. */
export async function waitForInput(page: Page, name: string): Promise<void> {
  await page.locator('figcaption', { hasText: name }).first().waitFor({ timeout: 90_000 });
}

/** Drops a file onto the page through a real DataTransfer drop event. */
export async function dropFile(page: Page, file: { name: string; type: string; bytes: Buffer | Uint8Array }): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, type, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      return dt;
    },
    { name: file.name, type: file.type, base64: Buffer.from(file.bytes).toString('base64') },
  );
  await page.locator('main').dispatchEvent('drop', { dataTransfer });
}

/** The worker's live tensor count, through the ?debug hook. */
export function tensorCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const { client } = (window as unknown as { gcLens: { client: { call(t: string, a: object): Promise<{ numTensors: number }> } } }).gcLens;
    return (await client.call('memory', {})).numTensors;
  });
}

/** Records the app's downloads (its download hook) and returns the next one a click makes. */
export async function recordDownloads(page: Page): Promise<(click: () => Promise<void>) => Promise<{ name: string; bytes: Buffer }>> {
  await page.evaluate(() => {
    const files: { name: string; bytes: Promise<number[]> }[] = [];
    window.addEventListener('gc-lens-download', (e) => {
      const { blob, fileName } = (e as CustomEvent<{ blob: Blob; fileName: string }>).detail;
      files.push({ name: fileName, bytes: blob.arrayBuffer().then((b) => Array.from(new Uint8Array(b))) });
    });
    Object.assign(window, { downloadedFiles: files });
  });
  const count = () => page.evaluate(() => (window as unknown as { downloadedFiles: unknown[] }).downloadedFiles.length);
  return async (click) => {
    const before = await count();
    await click();
    await expect.poll(count, { timeout: 90_000 }).toBe(before + 1);
    const file = await page.evaluate(async () => {
      const last = (window as unknown as { downloadedFiles: { name: string; bytes: Promise<number[]> }[] }).downloadedFiles.at(-1)!;
      return { name: last.name, bytes: await last.bytes };
    });
    return { name: file.name, bytes: Buffer.from(file.bytes) };
  };
}
