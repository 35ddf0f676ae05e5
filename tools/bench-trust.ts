/**
 * npm run bench:trust [-- --images 10000 --out bench-results/trust.json]
 * The trust report on a large folder in the built app (headless Chromium, wasm, bundled MNIST model): the first 300
 * MNIST test digits (tests/fixtures/trust) written again and again as separate PNG files into class folders, chosen
 * with the folder input and run. Prints throughput, the page's and the worker's memory while it runs (JS heap, and
 * TensorFlow.js's bytes and tensors), and the longest gap between the page's animation frames (its responsiveness).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchChromium, reportPageErrors, serveBuiltApp } from '../tests/browser/harness';
import { parseArgs } from './lib/args';
import { mnistPngFiles } from './lib/trustBench';

interface Sample {
  seconds: number;
  done: number;
  pageHeapMiB: number | null;
  workerBytesMiB: number;
  workerTensors: number;
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const count = Number(flags.get('images') ?? 10_000);
  const out = flags.get('out') ?? 'bench-results/trust.json';
  const root = join(import.meta.dirname, '..');
  const files = await mnistPngFiles(join(root, 'tests', 'fixtures', 'trust'));
  const dir = await mkdtemp(join(tmpdir(), 'gc-trust-bench-'));
  const app = await serveBuiltApp();
  const browser = await launchChromium();
  try {
    for (let y = 0; y < 10; y++) await mkdir(join(dir, 'set', String(y)), { recursive: true });
    // Labels are not needed for throughput: the folder is the image's index mod 10.
    for (let i = 0; i < count; i++) await writeFile(join(dir, 'set', String(i % 10), `${i}.png`), files[i % files.length]);
    const page = await browser.newPage();
    reportPageErrors(page);
    await page.goto(`${app.url}?backend=wasm&debug#v=1&model=mnist-beta2&panels=trust`);
    await page.waitForFunction(
      () => Boolean((window as unknown as { gcLens: { store: { getState(): { model: unknown } } } }).gcLens.store.getState().model),
      null,
      { timeout: 120_000 },
    );
    const chosen = performance.now();
    await page.getByTestId('trust-input').setInputFiles(join(dir, 'set'));
    await page.getByTestId('trust-folders').waitFor({ timeout: 300_000 });
    const selectSeconds = (performance.now() - chosen) / 1000;
    // As a string: functions passed to page.evaluate would carry the bundler's helpers.
    await page.evaluate(`(() => {
      window.frameGap = 0;
      let last = performance.now();
      const tick = (t) => {
        window.frameGap = Math.max(window.frameGap, t - last);
        last = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const started = performance.now();
    await page.getByTestId('trust-run').click();
    const samples: Sample[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const s = await page.evaluate(async () => {
        const { client } = (window as unknown as { gcLens: { client: { call(t: string, a: object): Promise<{ numTensors: number; numBytes: number }> } } })
          .gcLens;
        const memory = await client.call('memory', {});
        const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
        const done = Number(document.querySelector('[data-testid="trust-progress"]')?.getAttribute('data-done') ?? 0);
        const finished = document.querySelector('[data-testid="trust-accuracy"]') !== null;
        return { done, finished, heap, memory };
      });
      samples.push({
        seconds: (performance.now() - started) / 1000,
        done: s.done,
        pageHeapMiB: s.heap === null ? null : s.heap / 1024 ** 2,
        workerBytesMiB: s.memory.numBytes / 1024 ** 2,
        workerTensors: s.memory.numTensors,
      });
      const last = samples[samples.length - 1];
      process.stderr.write(`${last.seconds.toFixed(0)} s: ${last.done} of ${count}\n`);
      if (s.finished) break;
    }
    const progressLine = await page.evaluate(() => {
      return document.querySelector('[data-testid="trust-progress"]')?.textContent ?? '';
    });
    const frameGapMs = await page.evaluate(() => (window as unknown as { frameGap: number }).frameGap);
    const total = samples[samples.length - 1].seconds;
    const peak = (pick: (s: Sample) => number | null) => Math.max(...samples.map((s) => pick(s) ?? 0));
    const result = {
      machine: { cpu: cpus()[0]?.model, cores: cpus().length },
      images: count,
      selectSeconds,
      progressLine,
      imagesPerSecond: count / total,
      peakPageHeapMiB: peak((s) => s.pageHeapMiB),
      peakWorkerTensorMiB: peak((s) => s.workerBytesMiB),
      peakWorkerTensors: peak((s) => s.workerTensors),
      longestFrameGapMs: frameGapMs,
      samples,
    };
    console.log(`Trust report, ${count} PNG digits, mnist-beta2 on wasm in headless Chromium (${result.machine.cores} cores):`);
    console.log(
      `  folder chosen and previewed in ${selectSeconds.toFixed(1)} s; run: ${result.imagesPerSecond.toFixed(0)} images/s (sampled every 2 s; page says "${progressLine}")`,
    );
    console.log(`  page JS heap: ${samples.map((s) => s.pageHeapMiB?.toFixed(0)).join(' → ')} MiB (peak ${result.peakPageHeapMiB.toFixed(0)})`);
    console.log(`  worker tensors: peak ${result.peakWorkerTensorMiB.toFixed(1)} MiB in ${result.peakWorkerTensors} tensors (the model's weights included)`);
    console.log(`  longest gap between the page's animation frames during the run: ${frameGapMs.toFixed(0)} ms`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 1)}\n`);
    process.stderr.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
