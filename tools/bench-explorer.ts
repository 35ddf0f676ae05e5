/**
 * npm run bench:explorer [-- --reps N --warmup N --backends wasm,webgl,webgpu --loads N --load-query ?wasmThreads=1 --load-only
 *   --no-full --full-only --full-drops N --full-busy N --full-slider N --full-reps N --full-steps N --full-patch N
 *   --full-stride N --full-samples N --checkpoint path/beta_8.avg.pt --out bench-results/explorer.json]
 * First, the page load: the JavaScript the page and its inference worker load (raw and gzip bytes per file) and the
 * time from navigation to the first posterior of the bundled model on screen (median of --loads fresh loads, each in
 * a new browser context with an empty cache). Then, unless --load-only, interaction latency of the built explorer in
 * headless Chromium, per bundled model and backend: from dropping an image to its posteriors on screen, and from one
 * keyboard step of a latent slider to the new counterfactual on screen. Each is split into the worker's own time,
 * the round trip to the store, and the frame that shows it. Last (--no-full skips it, --full-only runs only it), the
 * full-size model on wasm: tools/lib/benchFullSize.ts.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { probePng, ROOT } from '../tests/browser/app-helpers';
import { launchChromium, reportPageErrors, serveBuiltApp } from '../tests/browser/harness';
import { parseArgs } from './lib/args';
import { benchFullSize, type FullSizeResult, type FullSizeSettings, fullSizeTable } from './lib/benchFullSize';
import { installProbe, type Limits, type Medians, measureDrops, measureSlider, median, medians, settle } from './lib/explorerProbe';

const CPU_EMULATED = /swiftshader|llvmpipe|software|fallback adapter/i;
/** The bundled models answer in well under a second. */
const LIMITS: Limits = { stepMs: 60_000, settleMs: 120_000 };

interface Row {
  model: string;
  backend: string;
  ran: string | null;
  device: string;
  cpuEmulated: boolean;
  reps: number;
  drop: Medians | null;
  slider: Medians | null;
  problem?: string;
}

const probeImages = (count: number, offset: number) =>
  Array.from({ length: count }, (_, i) => ({ name: `bench-${offset + i}.png`, buffer: probePng(offset + i).buffer }));

async function benchOne(url: string, model: string, backend: string, reps: number, warmup: number): Promise<Row> {
  const browser = await launchChromium();
  const row: Row = { model, backend, ran: null, device: '', cpuEmulated: false, reps, drop: null, slider: null };
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    reportPageErrors(page);
    await page.goto(`${url}?backend=${backend}&debug#v=1&model=${model}`);
    await page.getByTestId('counterfactual-image').waitFor({ timeout: 180_000 });
    await installProbe(page);
    await settle(page, LIMITS);
    row.ran = await page.getByTestId('backend-badge').getAttribute('data-backend');
    row.device =
      backend === 'webgpu'
        ? await page.evaluate('window.benchProbe.device()')
        : backend === 'webgl'
          ? await page.evaluate('window.benchProbe.webglRenderer()')
          : 'wasm (CPU)';
    row.cpuEmulated = backend === 'wasm' || CPU_EMULATED.test(row.device);
    if (row.ran !== backend) row.problem = `asked for ${backend}, the app ran ${row.ran}`;
    await measureDrops(page, probeImages(warmup, 0), LIMITS);
    row.drop = medians(await measureDrops(page, probeImages(reps, warmup), LIMITS));
    // The first slider step moves it off 0 (where no decode runs); then the measured steps.
    await measureSlider(page, warmup + 1, LIMITS);
    row.slider = medians(await measureSlider(page, reps, LIMITS));
  } catch (e) {
    row.problem = [row.problem, e instanceof Error ? e.message.split('\n')[0] : String(e)].filter(Boolean).join('; ');
  } finally {
    await browser.close();
  }
  return row;
}

interface LoadedScript {
  url: string;
  /** Who loaded it: the page (main thread) or the inference worker. */
  by: 'page' | 'worker';
  raw: number;
  gzip: number;
}

interface PageLoad {
  url: string;
  scripts: LoadedScript[];
  /** Navigation start → the first posterior bars on screen, per load (ms). */
  firstPosteriorMs: number[];
  crossOriginIsolated: boolean;
  backend: string;
}

const BARS = '[data-testid="posterior-chart"] rect.bar';

/** The JavaScript URLs a global fetched, from its own resource timing (module imports included). */
const SCRIPT_ENTRIES = `performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\\.m?js(\\?|$)/.test(n))`;

/** The scripts these import statically (import … from "./x.js"), themselves included, and their bytes. */
async function staticClosure(roots: string[], bytes: Map<string, Buffer>): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let url = pending.pop(); url; url = pending.pop()) {
    if (seen.has(url)) continue;
    seen.add(url);
    if (!bytes.has(url)) bytes.set(url, Buffer.from(await (await fetch(url)).arrayBuffer()));
    for (const m of bytes
      .get(url)!
      .toString('utf8')
      .matchAll(/\b(?:from|import)\s*"(\.{1,2}\/[^"]+\.js)"/g))
      pending.push(new URL(m[1], url).href);
  }
  return seen;
}

async function measurePageLoad(url: string, loads: number): Promise<PageLoad> {
  const browser = await launchChromium();
  const result: PageLoad = { url, scripts: [], firstPosteriorMs: [], crossOriginIsolated: false, backend: '' };
  try {
    for (let i = 0; i < loads; i++) {
      // A fresh context per load: an empty HTTP cache, as for a first visit.
      const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
      try {
        const page = await context.newPage();
        reportPageErrors(page);
        await page.goto(url);
        // performance.now() counts from the navigation's start; polled once per frame.
        const shown = await page.waitForFunction((bars) => (document.querySelector(bars) ? performance.now() : 0), BARS, { polling: 'raf', timeout: 120_000 });
        result.firstPosteriorMs.push((await shown.jsonValue()) as number);
        if (i > 0) continue;
        result.crossOriginIsolated = (await page.evaluate('crossOriginIsolated')) as boolean;
        result.backend = (await page.getByTestId('backend-badge').textContent()) ?? '';
        // The page's resource timing also lists its worker's script and that script's static imports: the
        // page's own are the closure of its <script> tags and what it imported dynamically, less the worker's.
        const bytes = new Map<string, Buffer>();
        const worker = page.workers().find((w) => w.url().includes('inference.worker'));
        const workerUrls = worker ? await staticClosure([worker.url(), ...((await worker.evaluate(SCRIPT_ENTRIES)) as string[])], bytes) : new Set<string>();
        const tags = (await page.evaluate(`[...document.querySelectorAll('script[src]')].map((s) => s.src)`)) as string[];
        const pageOwn = await staticClosure(tags, bytes);
        const pageUrls = await staticClosure(
          ((await page.evaluate(SCRIPT_ENTRIES)) as string[]).filter((u) => pageOwn.has(u) || !workerUrls.has(u)),
          bytes,
        );
        for (const [by, urls] of [
          ['page', pageUrls],
          ['worker', workerUrls],
        ] as const)
          for (const u of urls) {
            const b = bytes.get(u)!;
            result.scripts.push({ url: new URL(u).pathname, by, raw: b.length, gzip: gzipSync(b).length });
          }
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return result;
}

function printPageLoad(load: PageLoad): void {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(12);
  console.log(`Page load of ${load.url}: ${load.backend}; page ${load.crossOriginIsolated ? '' : 'NOT '}cross-origin isolated`);
  console.log(`${'loaded by'.padEnd(10)}${'script'.padEnd(48)}${'raw'.padStart(12)}${'gzip'.padStart(12)}`);
  for (const s of load.scripts) console.log(`${s.by.padEnd(10)}${s.url.padEnd(48)}${kib(s.raw)}${kib(s.gzip)}`);
  for (const by of ['page', 'worker'] as const) {
    const mine = load.scripts.filter((s) => s.by === by);
    const raw = mine.reduce((sum, s) => sum + s.raw, 0);
    const gzip = mine.reduce((sum, s) => sum + s.gzip, 0);
    console.log(`${by.padEnd(10)}${'total'.padEnd(48)}${kib(raw)}${kib(gzip)}`);
  }
  const sorted = [...load.firstPosteriorMs].sort((a, b) => a - b);
  console.log(
    `navigation → first posterior on screen: median ${median(sorted)?.toFixed(0)} ms over ${sorted.length} fresh loads ` +
      `(${sorted.map((v) => v.toFixed(0)).join(', ')})`,
  );
  console.log('');
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));

function table(rows: Row[]): string {
  const head = [
    'model',
    'backend',
    'drop→shown',
    'drop→state',
    'classify (worker)',
    'forward (worker)',
    'slider→shown',
    'slider→state',
    'edit (worker)',
    'inverse (worker)',
    'device',
  ];
  const lines = rows.map((r) => [
    r.model,
    r.ran && r.ran !== r.backend ? `${r.backend}→${r.ran}` : r.backend,
    ms(r.drop?.shownMs),
    ms(r.drop?.stateMs),
    ms(r.drop?.workerMs),
    ms(r.drop?.forwardMs),
    ms(r.slider?.shownMs),
    ms(r.slider?.stateMs),
    ms(r.slider?.workerMs),
    ms(r.slider?.inverseMs),
    `${r.device}${r.cpuEmulated && r.backend !== 'wasm' ? ' (CPU-emulated)' : ''}${r.problem ? ` [${r.problem}]` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 9 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

const count = (flags: Map<string, string>, name: string, fallback: number) => {
  const value = Number(flags.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return value;
};

function fullSizeSettings(flags: Map<string, string>): FullSizeSettings {
  return {
    drops: count(flags, 'full-drops', 5),
    busyDrops: count(flags, 'full-busy', 3),
    sliderSteps: count(flags, 'full-slider', 9),
    mapReps: count(flags, 'full-reps', 1),
    steps: count(flags, 'full-steps', 4),
    patch: count(flags, 'full-patch', 56),
    stride: count(flags, 'full-stride', 56),
    samples: count(flags, 'full-samples', 2),
    checkpoint: flags.get('checkpoint') ?? null,
  };
}

const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} on ${cpus().length} CPUs`;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), ['load-only', 'no-full', 'full-only']);
  const reps = Number(flags.get('reps') ?? 20);
  const warmup = Number(flags.get('warmup') ?? 3);
  const backends = (flags.get('backends') ?? 'wasm,webgl,webgpu').split(',');
  const out = flags.get('out') ?? 'bench-results/explorer.json';
  const { models } = JSON.parse(await readFile(join(ROOT, 'public/models/index.json'), 'utf8')) as { models: { id: string }[] };
  const loads = Number(flags.get('loads') ?? 5);
  const fullOnly = flags.has('full-only');
  const settings = flags.has('no-full') || flags.has('load-only') ? null : fullSizeSettings(flags);
  const loadAtStart = loadavg();
  console.log(`started ${new Date().toISOString()}, ${load()}`);
  const app = await serveBuiltApp();
  const rows: Row[] = [];
  let pageLoad: PageLoad | null = null;
  let fullSize: FullSizeResult | null = null;
  try {
    if (!fullOnly) {
      process.stderr.write(`page load ×${loads}…\n`);
      pageLoad = await measurePageLoad(`${app.url}${flags.get('load-query') ?? ''}`, loads);
      printPageLoad(pageLoad);
    }
    if (flags.has('load-only') || fullOnly) models.length = 0;
    for (const { id } of models)
      for (const backend of backends) {
        process.stderr.write(`${id} on ${backend}…\n`);
        rows.push(await benchOne(app.url, id, backend, reps, warmup));
      }
    if (rows.length) {
      console.log('Median milliseconds over', reps, 'repetitions after', warmup, 'warm-up ones (shown = first animation frame with the result on screen)');
      console.log(table(rows));
      console.log('');
    }
    if (settings) {
      fullSize = await benchFullSize(app.url, settings, (line) => process.stderr.write(`${line}\n`));
      console.log(fullSizeTable(fullSize));
    }
  } finally {
    await app.close();
  }
  console.log(`ended ${new Date().toISOString()}, ${load()}`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: { start: loadAtStart, end: loadavg() }, reps, warmup, pageLoad, rows, fullSize }, null, 1)}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
