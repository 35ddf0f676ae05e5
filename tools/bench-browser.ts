/**
 * npm run bench:browser [-- --reps N --full-reps N --backends webgpu,webgl,wasm --timeout-s S --out bench-results/browser.json]
 *   [--wasm-threads N] [--wasm-in-page [--hardware-concurrency N]]
 * Median forward, inverse and posterior times at batch 1, and the cold first pass of each, for the reference
 * mini model and the full-size released architecture (synthetic weights), per backend in headless Chromium.
 * Each backend gets its own browser and a time limit; what finishes in time is reported. Prints a table, writes JSON.
 * wasm runs twice, threaded and single-threaded, and the two are compared side by side; in a dedicated worker, as
 * the app runs it (threads wait with Atomics.wait there; on the page's main thread they must spin). Threaded, it
 * uses --wasm-threads, default half the logical cores, at least 2 and at most 8. --wasm-in-page runs it on the page
 * instead, where tfjs's own default (half of navigator.hardwareConcurrency) applies: the DevTools protocol override
 * raises that to --hardware-concurrency (default 4, so 2 threads on a 2-core machine); it does not reach workers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { dirname } from 'node:path';
import type { BackendName } from '../src/flow/backend';
import type { BenchDevice, BenchModel, ColdStart, WarmTimes } from '../tests/browser/bench';
import { launchChromium, reportPageErrors, serveBuiltApp } from '../tests/browser/harness';
import { parseArgs } from './lib/args';

const MODELS: [BenchModel, string][] = [
  ['mini', 'reference-mini 3x48x48'],
  ['full', 'full-size 3x224x224 (synthetic)'],
];
/** Renderers that do the arithmetic on the CPU: their WebGPU and WebGL numbers are not GPU numbers. */
const CPU_EMULATED = /swiftshader|llvmpipe|software|fallback adapter/i;

interface Row {
  model: string;
  backend: string;
  cold?: ColdStart;
  warm?: WarmTimes;
  /** Why a part is missing or suspect: an error, the time limit, the backend not starting or not the one that ran. */
  problem?: string;
}

/** One backend run: wasm twice, threaded and with one thread. */
interface Variant {
  /** The table's name for it: the backend, or wasm-1t for single-threaded wasm. */
  label: string;
  backend: BackendName;
  wasmThreads?: number;
  /** Runs the bench in a dedicated worker (bench.html?worker). */
  worker?: boolean;
}

interface BackendRun {
  label: string;
  /** In a dedicated worker rather than on the page. */
  worker?: boolean;
  backend: BackendName;
  /** The navigator.hardwareConcurrency the page was shown (DevTools override), if overridden. */
  hardwareConcurrency?: number;
  device?: BenchDevice;
  cpuEmulated?: boolean;
  chromium: string;
  seconds: number;
  rows: Row[];
}

class TimedOut extends Error {}

function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut('time limit reached')), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** A fresh browser per backend: closing it also stops GPU-process work a timed-out backend left queued. */
async function benchBackend(
  pageUrl: string,
  { label, backend, wasmThreads, worker }: Variant,
  reps: Record<BenchModel, number>,
  timeoutMs: number,
  hardwareConcurrency: number | undefined,
): Promise<BackendRun> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const browser = await launchChromium();
  const run: BackendRun = { label, backend, worker, hardwareConcurrency, chromium: browser.version(), seconds: 0, rows: [] };
  let stop: string | undefined;
  try {
    const page = await browser.newPage();
    reportPageErrors(page);
    if (hardwareConcurrency) {
      // Reaches the page, where the bench runs tfjs (not dedicated workers: the app takes ?wasmThreads=N instead).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency });
    }
    await page.goto(worker ? `${pageUrl}?worker` : pageUrl);
    await page.waitForFunction(() => typeof window.gcBench === 'object', undefined, { timeout: 30_000 });
    run.device = await beforeDeadline(
      page.evaluate(([b, t]) => window.gcBench!.init(b, t), [backend, wasmThreads] as const),
      deadline,
    );
    run.cpuEmulated = CPU_EMULATED.test(run.device.device);
    if (run.device.backend !== backend) stop = `not run: chose ${backend}, tf.getBackend() is ${run.device.backend}`;
    for (const [model, modelLabel] of MODELS) {
      if (stop) {
        run.rows.push({ model: modelLabel, backend: label, problem: stop });
        continue;
      }
      const row: Row = { model: modelLabel, backend: label };
      run.rows.push(row);
      try {
        row.cold = await beforeDeadline(
          page.evaluate((m) => window.gcBench!.load(m), model),
          deadline,
        );
        row.warm = await beforeDeadline(
          page.evaluate((n) => window.gcBench!.time(n), reps[model]),
          deadline,
        );
        if (row.warm.ranOn !== backend) row.problem = `ran on ${row.warm.ranOn}, not ${backend}`;
      } catch (e) {
        row.problem = e instanceof TimedOut ? `timed out at the ${backend} limit (${timeoutMs / 1000} s)` : `failed: ${message(e)}`;
        if (e instanceof TimedOut) stop = `not run: ${backend} had used up its time`;
      }
      process.stderr.write(`${modelLabel} on ${label}: ${row.problem ?? 'done'} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  } catch (e) {
    const problem = `not run: ${backend} did not start: ${message(e)}`;
    for (const [, modelLabel] of MODELS) run.rows.push({ model: modelLabel, backend: label, problem });
    process.stderr.write(`${problem}\n`);
  } finally {
    await browser.close();
  }
  run.seconds = (Date.now() - started) / 1000;
  return run;
}

function printTable(runs: BackendRun[]): void {
  const ms = (v: number | undefined, width = 10) => (v === undefined ? '-' : v.toFixed(1)).padStart(width);
  console.log(
    `${'model'.padEnd(34)}${'backend'.padEnd(9)}${'forward ms'.padStart(11)}${'inverse ms'.padStart(11)}${'posterior ms'.padStart(13)}` +
      `  ${'first run ms (fwd / inv / post)'.padEnd(33)}${'load ms'.padStart(9)}  reps`,
  );
  for (const { model, backend, cold, warm, problem } of runs.flatMap((run) => run.rows)) {
    const first = cold
      ? Object.values(cold.firstRun)
          .map((v) => v.toFixed(0))
          .join(' / ')
      : '-';
    console.log(
      `${model.padEnd(34)}${backend.padEnd(9)} ${ms(warm?.forward)} ${ms(warm?.inverse)}  ${ms(warm?.posterior)}` +
        `  ${first.padEnd(33)}${ms(cold?.loadMs, 9)}  ${String(warm?.reps ?? '-').padStart(4)}  ${problem ?? ''}`.trimEnd(),
    );
  }
  console.log('');
  for (const run of runs) {
    const emulated = run.cpuEmulated ? ' -- emulated on the CPU: not GPU numbers' : '';
    const isolated = run.device ? `; page ${run.device.crossOriginIsolated ? '' : 'not '}cross-origin isolated` : '';
    const cores = run.hardwareConcurrency ? `; hardwareConcurrency ${run.hardwareConcurrency} (override)` : '';
    const where = run.worker ? ' (in a dedicated worker)' : '';
    console.log(`${run.label}${where}: ${run.device?.device ?? 'no device (did not start)'}${emulated}${isolated}${cores}; ${run.seconds.toFixed(0)} s`);
  }
}

/** Threaded against single-threaded wasm, per model: medians and speedups. */
function printThreadComparison(runs: BackendRun[]): void {
  const threaded = runs.find((r) => r.label === 'wasm');
  const single = runs.find((r) => r.label === 'wasm-1t');
  if (!threaded || !single) return;
  const threads = threaded.device?.threads;
  const isolated = threaded.device?.crossOriginIsolated;
  console.log('');
  console.log(
    `wasm, ${threads ?? '?'} threads vs 1 (median ms at batch 1, ${threaded.worker ? 'in a dedicated worker' : 'on the page'}; ${isolated ? '' : 'NOT '}cross-origin isolated` +
      `${threaded.hardwareConcurrency ? `, hardwareConcurrency ${threaded.hardwareConcurrency} by override` : ''})`,
  );
  console.log(
    `${'model'.padEnd(34)}${'forward 1t'.padStart(11)}${`forward ${threads}t`.padStart(11)}${'speedup'.padStart(9)}` +
      `${'inverse 1t'.padStart(12)}${`inverse ${threads}t`.padStart(11)}${'speedup'.padStart(9)}`,
  );
  const ms = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
  for (const [, model] of MODELS) {
    const one = single.rows.find((r) => r.model === model)?.warm;
    const many = threaded.rows.find((r) => r.model === model)?.warm;
    console.log(
      `${model.padEnd(34)}${ms(one?.forward).padStart(11)}${ms(many?.forward).padStart(11)}${ratio(one?.forward, many?.forward).padStart(9)}` +
        `${ms(one?.inverse).padStart(12)}${ms(many?.inverse).padStart(11)}${ratio(one?.inverse, many?.inverse).padStart(9)}`,
    );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const { flags } = parseArgs(process.argv.slice(2));
  const reps = { mini: Number(flags.get('reps') ?? 10), full: Number(flags.get('full-reps') ?? 2) };
  const backends = (flags.get('backends') ?? 'webgpu,webgl,wasm').split(',') as BackendName[];
  const inPage = flags.has('wasm-in-page');
  const wasmThreads = flags.has('wasm-threads')
    ? Number(flags.get('wasm-threads'))
    : inPage
      ? undefined
      : Math.min(8, Math.max(2, Math.floor(cpus().length / 2)));
  // In the page: raise (never lower) its logical core count to 4, so tfjs's half of it is 2 threads on a 2-core machine.
  const hardwareConcurrency = Number(flags.get('hardware-concurrency') ?? Math.max(4, cpus().length));
  const variants: Variant[] = backends.flatMap((backend): Variant[] =>
    backend === 'wasm'
      ? [
          { label: 'wasm', backend, wasmThreads, worker: !inPage },
          { label: 'wasm-1t', backend, wasmThreads: 1, worker: !inPage },
        ]
      : [{ label: backend, backend }],
  );
  const timeoutS = Number(flags.get('timeout-s') ?? 1200);
  const out = flags.get('out') ?? 'bench-results/browser.json';
  const loadAtStart = loadavg();

  const app = await serveBuiltApp({ bench: 'tests/browser/bench.html' });
  const buildSeconds = (Date.now() - started) / 1000;
  process.stderr.write(`built and serving the bench page (${buildSeconds.toFixed(0)} s)\n`);
  const runs: BackendRun[] = [];
  try {
    for (const variant of variants) {
      const concurrency = variant.backend === 'wasm' && inPage && hardwareConcurrency !== cpus().length ? hardwareConcurrency : undefined;
      runs.push(await benchBackend(`${app.url}tests/browser/bench.html`, variant, reps, timeoutS * 1000, concurrency));
    }
  } finally {
    await app.close();
  }

  printTable(runs);
  printThreadComparison(runs);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `whole bench: ${seconds.toFixed(0)} s (build ${buildSeconds.toFixed(0)} s); ` +
      `load average ${loadAtStart[0].toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`,
  );
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    os: release(),
    node: process.version,
    chromium: runs[0]?.chromium,
    loadAverage: { start: loadAtStart, end: loadavg() },
  };
  const settings = { reps: reps.mini, fullReps: reps.full, timeoutS, backends, wasmThreads, wasmInPage: inPage, hardwareConcurrency };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ machine, date: new Date().toISOString(), settings, seconds, buildSeconds, runs }, null, 1)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
