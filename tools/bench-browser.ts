/**
 * npm run bench:browser [-- --reps N --full-reps N --backends webgpu,webgl,wasm --timeout-s S --out bench-results/browser.json]
 * Median forward, inverse and posterior times at batch 1, and the cold first pass of each, for the reference
 * mini model and the full-size released architecture (synthetic weights), per backend in headless Chromium.
 * Each backend gets its own browser and a time limit; what finishes in time is reported. Prints a table, writes JSON.
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

interface BackendRun {
  backend: BackendName;
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
async function benchBackend(pageUrl: string, backend: BackendName, reps: Record<BenchModel, number>, timeoutMs: number): Promise<BackendRun> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const browser = await launchChromium();
  const run: BackendRun = { backend, chromium: browser.version(), seconds: 0, rows: [] };
  let stop: string | undefined;
  try {
    const page = await browser.newPage();
    reportPageErrors(page);
    await page.goto(pageUrl);
    await page.waitForFunction(() => typeof window.gcBench === 'object', undefined, { timeout: 30_000 });
    run.device = await beforeDeadline(
      page.evaluate((b) => window.gcBench!.init(b), backend),
      deadline,
    );
    run.cpuEmulated = CPU_EMULATED.test(run.device.device);
    if (run.device.backend !== backend) stop = `not run: chose ${backend}, tf.getBackend() is ${run.device.backend}`;
    for (const [model, label] of MODELS) {
      if (stop) {
        run.rows.push({ model: label, backend, problem: stop });
        continue;
      }
      const row: Row = { model: label, backend };
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
      process.stderr.write(`${label} on ${backend}: ${row.problem ?? 'done'} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  } catch (e) {
    const problem = `not run: ${backend} did not start: ${message(e)}`;
    for (const [, label] of MODELS) run.rows.push({ model: label, backend, problem });
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
    console.log(`${run.backend}: ${run.device?.device ?? 'no device (did not start)'}${emulated}; ${run.seconds.toFixed(0)} s`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const { flags } = parseArgs(process.argv.slice(2));
  const reps = { mini: Number(flags.get('reps') ?? 10), full: Number(flags.get('full-reps') ?? 2) };
  const backends = (flags.get('backends') ?? 'webgpu,webgl,wasm').split(',') as BackendName[];
  const timeoutS = Number(flags.get('timeout-s') ?? 1200);
  const out = flags.get('out') ?? 'bench-results/browser.json';
  const loadAtStart = loadavg();

  const app = await serveBuiltApp({ bench: 'tests/browser/bench.html' });
  const buildSeconds = (Date.now() - started) / 1000;
  process.stderr.write(`built and serving the bench page (${buildSeconds.toFixed(0)} s)\n`);
  const runs: BackendRun[] = [];
  try {
    for (const backend of backends) runs.push(await benchBackend(`${app.url}tests/browser/bench.html`, backend, reps, timeoutS * 1000));
  } finally {
    await app.close();
  }

  printTable(runs);
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
  const settings = { reps: reps.mini, fullReps: reps.full, timeoutS, backends };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ machine, date: new Date().toISOString(), settings, seconds, buildSeconds, runs }, null, 1)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
