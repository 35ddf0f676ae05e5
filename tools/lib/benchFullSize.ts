/**
 * The explorer at full size in npm run bench:explorer: a synthetic checkpoint in the authors' ImageNet layout
 * (224², 1000 classes), converted in the page on wasm, then drop → posteriors, slider step → image, each map kind,
 * samples and interpolation, beside the model's own forward and inverse pass timed in the same page's worker.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { MAP_METHODS, type MapMethod } from '../../src/explain/mapMethods';
import { INTERPOLATION_STEPS } from '../../src/state/explainer';
import { ROOT } from '../../tests/browser/app-helpers';
import { serveFile } from '../../tests/browser/conversionHarness';
import { launchContext, reportPageErrors } from '../../tests/browser/harness';
import { requirePythonTorch } from '../../tests/helpers/requirements';
import {
  installProbe,
  type Limits,
  type Medians,
  measureDrops,
  measureSlider,
  median,
  medians,
  type PngFile,
  probe,
  type Sample,
  settle,
} from './explorerProbe';

/** The targets: the app's time over the model's own pass. */
export const TARGETS = { dropOverForward: 1.2, sliderOverInverse: 1.3 };

/** A forward pass is about 0.75 s here, a map several, the first principal directions about 17 s. */
const LIMITS: Limits = { stepMs: 300_000, settleMs: 600_000 };
const CONVERSION_LIMIT_MS = 900_000;
/** The authors' released file name for β = 8. */
const CHECKPOINT_NAME = 'beta_8.avg.pt';

export interface FullSizeSettings {
  /** Settled drops measured (after one unmeasured), and drops measured while the previous image's work runs. */
  drops: number;
  busyDrops: number;
  sliderSteps: number;
  mapReps: number;
  /** Integrated gradients' steps; occlusion's patch and stride (pixels); samples drawn. */
  steps: number;
  patch: number;
  stride: number;
  samples: number;
  /** An existing checkpoint to use; otherwise one is made with tools/make_synthetic_checkpoint.py. */
  checkpoint: string | null;
}

export interface FullSizeResult {
  settings: FullSizeSettings;
  checkpointBytes: number;
  classes: number | null;
  /** Drop of the .pt → converted (hash, convert, store) → loaded → first posteriors shown; then the page settled. */
  conversion: { convertedMs: number; loadedMs: number; shownMs: number; settledMs: number } | null;
  drop: Medians | null;
  busyDrop: Medians | null;
  slider: Medians | null;
  maps: Partial<Record<MapMethod, Medians & { passes: number | null }>>;
  samples: Medians | null;
  interpolation: Medians | null;
  /** Medians of the model's forward pass (inside classify) and inverse pass (inside an edit), from the worker. */
  forwardMs: number | null;
  inverseMs: number | null;
  problem?: string;
}

/** A non-square photo-sized PNG (landscape or portrait), different for every seed. */
export function photo(seed: number): PngFile {
  const [width, height] = seed % 2 ? [300, 400] : [400, 300];
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const wave = Math.sin((x + 13 * seed) / (7 + seed)) * Math.cos((y - 5 * seed) / 11);
      png.data.set([(x * 255) / width, (y * 255) / height, 128 + 120 * wave, 255].map(Math.round), 4 * (y * width + x));
    }
  return { name: `photo-${seed}.png`, buffer: PNG.sync.write(png) };
}

async function makeCheckpoint(dir: string, log: (line: string) => void): Promise<string> {
  log(`full size: making a synthetic ${CHECKPOINT_NAME}…`);
  const path = join(dir, CHECKPOINT_NAME);
  await promisify(execFile)(requirePythonTorch(), [
    join(ROOT, 'tools', 'make_synthetic_checkpoint.py'),
    join(ROOT, 'tests', 'fixtures', 'reference-gc', 'imagenet_layout.json'),
    path,
  ]);
  return path;
}

/** The default panels and the interpolation's. */
const PANELS = 'input,posterior,map,latent,samples,interpolation,calibration,trust';
const pageHash = (s: FullSizeSettings) => `#v=1&steps=${s.steps}&patch=${s.patch}&stride=${s.stride}&n=${s.samples}&panels=${PANELS}`;

async function repeat<T>(count: number, step: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await step(i));
  return out;
}

async function measure(page: Page, result: FullSizeResult, checkpointUrl: string, log: (line: string) => void): Promise<void> {
  const s = result.settings;
  log('full size: converting the checkpoint in the page…');
  const converted = await probe<{ convertedMs: number; loadedMs: number; shownMs: number; classes: number }>(
    page,
    'convert',
    checkpointUrl,
    CHECKPOINT_NAME,
    CONVERSION_LIMIT_MS,
  );
  result.classes = converted.classes;
  const settledMs = await settle(page, LIMITS);
  result.conversion = { convertedMs: converted.convertedMs, loadedMs: converted.loadedMs, shownMs: converted.shownMs, settledMs };

  log(`full size: ${s.drops} drops (settled), ${s.busyDrops} on a busy page…`);
  let seed = 0;
  const photos = (n: number) => Array.from({ length: n }, () => photo(seed++));
  await measureDrops(page, photos(1), LIMITS);
  const drops = await measureDrops(page, photos(s.drops), LIMITS);
  result.drop = medians(drops);
  result.forwardMs = median(drops.flatMap((d) => (d.forwardMs === undefined ? [] : [d.forwardMs])));
  result.busyDrop = medians(await measureDrops(page, photos(2 * s.busyDrops), LIMITS, false));

  log(`full size: ${s.sliderSteps} slider steps…`);
  // The first step moves the slider off 0 (where no decode runs).
  await measureSlider(page, 1, LIMITS);
  const steps = await measureSlider(page, s.sliderSteps, LIMITS);
  result.slider = medians(steps);
  result.inverseMs = result.slider.inverseMs;

  for (const method of MAP_METHODS) {
    log(`full size: map ${method} ×${s.mapReps}…`);
    const maps = await repeat(s.mapReps, async () => {
      const one = await probe<Sample & { passes: number | null }>(page, 'map', method, LIMITS.stepMs);
      await settle(page, LIMITS);
      return one;
    });
    result.maps[method] = { ...medians(maps), passes: maps[0]?.passes ?? null };
  }

  log('full size: samples and interpolation…');
  result.samples = medians(
    await repeat(s.mapReps, async (i) => {
      const one = await probe<Sample>(page, 'samples', i + 1, LIMITS.stepMs);
      await settle(page, LIMITS);
      return one;
    }),
  );
  const second = photo(seed++);
  result.interpolation = medians([await probe<Sample>(page, 'interpolate', second.buffer.toString('base64'), second.name, INTERPOLATION_STEPS, LIMITS.stepMs)]);
}

export async function benchFullSize(appUrl: string, settings: FullSizeSettings, log: (line: string) => void): Promise<FullSizeResult> {
  const result: FullSizeResult = {
    settings,
    checkpointBytes: 0,
    classes: null,
    conversion: null,
    drop: null,
    busyDrop: null,
    slider: null,
    maps: {},
    samples: null,
    interpolation: null,
    forwardMs: null,
    inverseMs: null,
  };
  const dir = await mkdtemp(join(tmpdir(), 'gc-lens-bench-full-'));
  try {
    const checkpoint = settings.checkpoint ?? (await makeCheckpoint(dir, log));
    if (basename(checkpoint) !== CHECKPOINT_NAME) throw new Error(`the checkpoint must be named ${CHECKPOINT_NAME} (the app reads β from the name)`);
    result.checkpointBytes = (await stat(checkpoint)).size;
    const server = await serveFile(checkpoint);
    // A profile on disk: the converted model is stored in OPFS on disk, as for users.
    const browser = await launchContext({ profile: true, viewport: { width: 1300, height: 1000 } });
    try {
      const page = await browser.context.newPage();
      reportPageErrors(page);
      await page.goto(`${appUrl}?backend=wasm&debug${pageHash(settings)}`);
      await page.getByTestId('counterfactual-image').waitFor({ timeout: 180_000 });
      await installProbe(page);
      await settle(page, LIMITS);
      await measure(page, result, server.url, log);
    } finally {
      await browser.close();
      await server.close();
    }
  } catch (e) {
    result.problem = e instanceof Error ? e.message.split('\n')[0] : String(e);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(0));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);

const MAP_NAMES: Record<MapMethod, (s: FullSizeSettings, passes: number | null) => string> = {
  decomposition: () => 'map: latent decomposition',
  'input-gradient': () => 'map: input × gradient',
  'integrated-gradients': (s) => `map: integrated gradients (${s.steps} steps)`,
  occlusion: (s, passes) => `map: occlusion (${s.patch}-px patches, stride ${s.stride}: ${passes ?? '?'} passes)`,
};

/** The full-size table: medians in ms, the model's pass beside drop and slider, and the ratios against the targets. */
export function fullSizeTable(r: FullSizeResult): string {
  const s = r.settings;
  const lines: string[] = [];
  const mb = (r.checkpointBytes / 1e6).toFixed(0);
  lines.push(
    `Full size on wasm: synthetic ${CHECKPOINT_NAME} in the authors' ImageNet layout (224², ${r.classes ?? '?'} classes, ${mb} MB), converted in the page`,
  );
  if (r.conversion) {
    const c = r.conversion;
    const sec = (v: number) => `${(v / 1000).toFixed(1)} s`;
    lines.push(
      `conversion (one run): drop of the .pt → converted and stored ${sec(c.convertedMs)} → loaded ${sec(c.loadedMs)} → first posteriors shown ${sec(c.shownMs)}; ` +
        `then every panel settled after ${sec(c.settledMs)} more (principal directions, maps, samples)`,
    );
  }
  const head = ['step', 'reps', 'shown', 'state', 'worker', 'model pass', 'shown ÷ pass', 'target'];
  const rows: string[][] = [];
  const row = (name: string, reps: number, m: Medians | null | undefined, pass?: { name: string; ms: number | null; target: number }) => {
    const q = pass ? ratio(m?.shownMs, pass.ms) : null;
    rows.push([
      name,
      String(reps),
      ms(m?.shownMs),
      ms(m?.stateMs),
      ms(m?.workerMs),
      pass ? `${pass.name} ${ms(pass.ms)}` : '',
      q === null ? '' : `${q.toFixed(2)}×`,
      pass ? `≤ ${pass.target}× ${q === null ? '' : q <= pass.target ? 'met' : 'MISSED'}` : '',
    ]);
  };
  const forward = { name: 'forward', ms: r.forwardMs, target: TARGETS.dropOverForward };
  row('drop → posteriors (settled page)', s.drops, r.drop, forward);
  row('drop → posteriors (previous image still computing)', s.busyDrops, r.busyDrop, forward);
  row('slider step → image', s.sliderSteps, r.slider, { name: 'inverse', ms: r.inverseMs, target: TARGETS.sliderOverInverse });
  for (const method of MAP_METHODS) row(MAP_NAMES[method](s, r.maps[method]?.passes ?? null), s.mapReps, r.maps[method]);
  row(`samples (${s.samples} at 224², new seed)`, s.mapReps, r.samples);
  row(`interpolation (${INTERPOLATION_STEPS} images)`, 1, r.interpolation);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  lines.push('Median milliseconds (shown = first animation frame with the result on screen; worker = its own time for the request)');
  lines.push(fmt(head), ...rows.map(fmt));
  const busy = r.busyDrop;
  if (busy?.stateMs != null && busy.workerMs != null && busy.forwardMs != null)
    lines.push(
      `previous image still computing: the classify request waited ${ms(busy.stateMs - busy.workerMs)} ms for the worker, ` +
        `which then took ${ms(busy.workerMs - busy.forwardMs)} ms besides its ${ms(busy.forwardMs)} ms forward pass (medians' differences)`,
    );
  if (r.problem) lines.push(`problem: ${r.problem}`);
  return lines.join('\n');
}
