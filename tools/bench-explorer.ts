/**
 * npm run bench:explorer [-- --reps N --warmup N --backends wasm,webgl,webgpu --loads N --load-query ?wasmThreads=1 --load-only
 *   --out bench-results/explorer.json]
 * First, the page load: the JavaScript the page and its inference worker load (raw and gzip bytes per file) and the
 * time from navigation to the first posterior of the bundled model on screen (median of --loads fresh loads, each in
 * a new browser context with an empty cache). Then, unless --load-only, interaction latency of the built explorer in
 * headless Chromium, per bundled model and backend: from dropping an image to its posteriors on screen, and from one
 * keyboard step of a latent slider to the new counterfactual on screen. Each is split into the worker's own time,
 * the round trip to the store, and the frame that shows it.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { probePng, ROOT } from '../tests/browser/app-helpers';
import { launchChromium, reportPageErrors, serveBuiltApp } from '../tests/browser/harness';
import { parseArgs } from './lib/args';

const CPU_EMULATED = /swiftshader|llvmpipe|software|fallback adapter/i;

/**
 * In-page probe, as plain JavaScript (functions passed to page.evaluate would carry the bundler's helpers).
 * Times are taken with the page's clock: input event → store update (state) → first animation frame at
 * which the new result is on screen (shown), polled once per frame.
 */
const PROBE = `(() => {
  const { store } = window.gcLens;
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  const untilShown = async (check) => {
    const start = performance.now();
    for (;;) {
      const t = await frame();
      if (check()) return t;
      if (t - start > 60000) throw new Error('nothing was shown within 60 s');
    }
  };
  const hash = (canvas) => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
    return h;
  };
  const stateTime = (pick) => {
    const before = pick(store.getState());
    let at = null;
    const stop = store.subscribe((s) => { if (at === null && pick(s) !== before) at = performance.now(); });
    return () => { stop(); return at; };
  };
  window.benchProbe = {
    settled() {
      const s = store.getState();
      return !s.classifying && s.map.status !== 'running' && s.samples.status !== 'running' && s.counterfactual !== null && s.guide !== null;
    },
    armSlider() {
      const canvas = () => document.querySelector('[data-testid="counterfactual-image"]');
      const before = hash(canvas());
      const stateAt = stateTime((s) => s.counterfactual);
      this.result = new Promise((resolve, reject) => {
        document.addEventListener('keydown', () => {
          const t0 = performance.now();
          untilShown(() => hash(canvas()) !== before).then((shown) => {
            const { timing } = store.getState().counterfactual;
            resolve({ shownMs: shown - t0, stateMs: stateAt() - t0, workerMs: timing.totalMs, inverseMs: timing.inverseMs });
          }, reject);
        }, { capture: true, once: true });
      });
    },
    async drop(base64, name) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'image/png' }));
      const stateAt = stateTime((s) => s.classification);
      const t0 = performance.now();
      document.querySelector('main').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      const shown = await untilShown(() => [...document.querySelectorAll('figcaption')].some((f) => f.textContent.includes(name)));
      return { shownMs: shown - t0, stateMs: stateAt() - t0, workerMs: store.getState().classification.timing.totalMs };
    },
    async device() {
      if (navigator.gpu) {
        const adapter = await navigator.gpu.requestAdapter();
        const info = adapter && (adapter.info ?? {});
        if (info) return 'WebGPU: ' + [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
      }
      return '';
    },
    webglRenderer() {
      const gl = document.createElement('canvas').getContext('webgl2');
      const debug = gl && gl.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : '';
    },
  };
})()`;

interface Sample {
  shownMs: number;
  stateMs: number;
  workerMs: number;
  inverseMs?: number;
}

type Medians = { [K in keyof Sample]-?: number | null };

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

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const medians = (samples: Sample[]): Medians => ({
  shownMs: median(samples.map((s) => s.shownMs)),
  stateMs: median(samples.map((s) => s.stateMs)),
  workerMs: median(samples.map((s) => s.workerMs)),
  inverseMs: median(samples.flatMap((s) => (s.inverseMs === undefined ? [] : [s.inverseMs]))),
});

const settle = (page: Page) => page.waitForFunction('window.benchProbe.settled()', undefined, { timeout: 120_000, polling: 50 });

async function measureDrops(page: Page, count: number, offset: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-${offset + i}.png`;
    out.push(
      await page.evaluate(([b64, n]) => (window as unknown as { benchProbe: { drop(a: string, b: string): Promise<Sample> } }).benchProbe.drop(b64, n), [
        probePng(offset + i).buffer.toString('base64'),
        name,
      ] as const),
    );
    await settle(page);
  }
  return out;
}

/** Keyboard steps on the first slider ("toward"), between 0.05 and 0.10, so that every step decodes a new image. */
async function measureSlider(page: Page, count: number): Promise<Sample[]> {
  const slider = page.getByTestId('latent-slider').first();
  await slider.focus();
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    await page.evaluate('window.benchProbe.armSlider()');
    await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
    out.push((await page.evaluate('window.benchProbe.result')) as Sample);
    await settle(page);
  }
  return out;
}

async function benchOne(url: string, model: string, backend: string, reps: number, warmup: number): Promise<Row> {
  const browser = await launchChromium();
  const row: Row = { model, backend, ran: null, device: '', cpuEmulated: false, reps, drop: null, slider: null };
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    reportPageErrors(page);
    await page.goto(`${url}?backend=${backend}&debug#v=1&model=${model}`);
    await page.getByTestId('counterfactual-image').waitFor({ timeout: 180_000 });
    await page.evaluate(PROBE);
    await settle(page);
    row.ran = await page.getByTestId('backend-badge').getAttribute('data-backend');
    row.device =
      backend === 'webgpu'
        ? await page.evaluate('window.benchProbe.device()')
        : backend === 'webgl'
          ? await page.evaluate('window.benchProbe.webglRenderer()')
          : 'wasm (CPU)';
    row.cpuEmulated = backend === 'wasm' || CPU_EMULATED.test(row.device);
    if (row.ran !== backend) row.problem = `asked for ${backend}, the app ran ${row.ran}`;
    await measureDrops(page, warmup, 0);
    row.drop = medians(await measureDrops(page, reps, warmup));
    // The first slider step moves it off 0 (where no decode runs); then the measured steps.
    await measureSlider(page, warmup + 1);
    row.slider = medians(await measureSlider(page, reps));
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
    ms(r.slider?.shownMs),
    ms(r.slider?.stateMs),
    ms(r.slider?.workerMs),
    ms(r.slider?.inverseMs),
    `${r.device}${r.cpuEmulated && r.backend !== 'wasm' ? ' (CPU-emulated)' : ''}${r.problem ? ` [${r.problem}]` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 8 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), ['load-only']);
  const reps = Number(flags.get('reps') ?? 20);
  const warmup = Number(flags.get('warmup') ?? 3);
  const backends = (flags.get('backends') ?? 'wasm,webgl,webgpu').split(',');
  const out = flags.get('out') ?? 'bench-results/explorer.json';
  const { models } = JSON.parse(await readFile(join(ROOT, 'public/models/index.json'), 'utf8')) as { models: { id: string }[] };
  const loads = Number(flags.get('loads') ?? 5);
  const app = await serveBuiltApp();
  const rows: Row[] = [];
  let pageLoad: PageLoad;
  try {
    process.stderr.write(`page load ×${loads}…\n`);
    pageLoad = await measurePageLoad(`${app.url}${flags.get('load-query') ?? ''}`, loads);
    printPageLoad(pageLoad);
    if (flags.has('load-only')) models.length = 0;
    for (const { id } of models)
      for (const backend of backends) {
        process.stderr.write(`${id} on ${backend}…\n`);
        rows.push(await benchOne(app.url, id, backend, reps, warmup));
      }
  } finally {
    await app.close();
  }
  if (rows.length) {
    console.log('Median milliseconds over', reps, 'repetitions after', warmup, 'warm-up ones (shown = first animation frame with the result on screen)');
    console.log(table(rows));
  }
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), reps, warmup, pageLoad, rows }, null, 1)}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
