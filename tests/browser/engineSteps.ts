/**
 * The engine-neutral smoke test of the app: open it, drop an image, move a latent slider, copy the permalink and
 * reopen it in a fresh session. One script for every engine (tests/browser/engines.ts drives them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { classifyInNode, probePng, RESULTS, ROOT } from './app-helpers';
import type { Engine, EnginePage } from './engines';

/** What one engine measured, in ms from navigation start or from the action. */
export interface SmokeFigures {
  engine: string;
  /** The backend badge's text. */
  backend: string;
  /** Navigation start → the first posterior bars on screen. */
  firstPosteriorMs: number;
  /** Drop event → the dropped image's posteriors on screen. */
  dropMs: number;
  /** First key press → a new counterfactual image. */
  sliderMs: number;
  /** Navigation start in the fresh session → the link's view restored (posteriors and counterfactual). */
  reopenMs: number;
}

/** What the steps read off the page: posteriors, the counterfactual, captions, status. */
interface View {
  now: number;
  posterior: [number, number][];
  counterfactual: [number, number][];
  /** No chart waits for its animation frame to draw the current data (useDrawEffect). */
  chartsDrawn: boolean;
  /** The counterfactual-state's data-original: 'true' while no slider moves z. */
  original: string | null;
  counterfactualImage: string | null;
  captions: string[];
  error: string | null;
  backend: string;
  link: string | null;
}

/** Runs in the page: self-contained. */
function readView(): View {
  const q = (id: string) => document.querySelector(`[data-testid="${id}"]`);
  const bars = (id: string) =>
    [...document.querySelectorAll(`[data-testid="${id}"] rect.bar`)]
      .map((e) => [e.getAttribute('data-class-index'), Number(e.getAttribute('data-probability'))] as const)
      .filter(([i]) => i !== null && i !== 'rest')
      .map(([i, p]) => [Number(i), p] as [number, number]);
  return {
    now: performance.now(),
    chartsDrawn: !document.querySelector('svg[aria-busy="true"]'),
    posterior: bars('posterior-chart'),
    counterfactual: bars('counterfactual-posterior'),
    original: q('counterfactual-state')?.getAttribute('data-original') ?? null,
    counterfactualImage: (q('counterfactual-image') as HTMLCanvasElement | null)?.toDataURL() ?? null,
    captions: [...document.querySelectorAll('figcaption')].map((f) => f.textContent ?? ''),
    error: document.querySelector('[data-testid="error"] span')?.textContent ?? null,
    backend: q('backend-badge')?.textContent ?? '',
    link: q('permalink-status')?.getAttribute('data-href') ?? null,
  };
}

/** Runs in the page: performance.now() when the first posterior bar appears (polled every 10 ms), or the error shown. */
function whenPosteriorShown(timeoutMs: number): Promise<{ at: number; alreadyShown: boolean } | { error: string }> {
  const shown = () => document.querySelector('[data-testid="posterior-chart"] rect.bar');
  const alreadyShown = Boolean(shown());
  return new Promise((resolve) => {
    const check = () => {
      const error = document.querySelector('[data-testid="error"] span')?.textContent;
      if (shown()) resolve({ at: performance.now(), alreadyShown });
      else if (error) resolve({ error });
      else if (performance.now() > timeoutMs) resolve({ error: `no posterior ${timeoutMs} ms after navigation` });
      else setTimeout(check, 10);
    };
    check();
  });
}

/** Runs in the page: drops a file on it through a real drop event; returns performance.now() at the drop. */
function dropImage({ name, type, base64 }: { name: string; type: string; base64: string }): number {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  const event = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data });
  const at = performance.now();
  document.querySelector('main')?.dispatchEvent(event);
  return at;
}

/** Reads the view until `done` holds for it; fails with the last view when it does not within the time. */
async function until(page: EnginePage, what: string, done: (v: View) => boolean, timeoutMs = 90_000): Promise<View> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await page.call(readView, null);
    if (view.chartsDrawn && done(view)) return view;
    if (view.error) throw new Error(`waiting for ${what}, the page shows an error: ${view.error}`);
    if (Date.now() > deadline)
      throw new Error(`waiting for ${what}: not within ${timeoutMs / 1000} s; the page shows ${JSON.stringify({ ...view, counterfactualImage: undefined })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The view once the counterfactual has settled: the same in two reads 300 ms apart. */
async function settled(page: EnginePage, what: string, done: (v: View) => boolean): Promise<View> {
  let last = await until(page, what, done);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await until(page, what, done);
    if (next.counterfactualImage === last.counterfactualImage && JSON.stringify(next.counterfactual) === JSON.stringify(last.counterfactual)) return next;
    last = next;
  }
}

const SLIDER = '[data-testid="latent-slider"]';

export async function smokeSteps(engine: Engine, appUrl: string): Promise<SmokeFigures> {
  const shot = (page: EnginePage, step: string) => page.screenshot(join(RESULTS, `engines-${engine.name.replace(/\W+/g, '-')}-${step}.png`));
  const page = await engine.open();

  // Open: the first bundled model with a gallery image explained.
  await page.goto(appUrl);
  const first = await page.call(whenPosteriorShown, 120_000);
  if ('error' in first) throw new Error(`${engine.name}: ${first.error}`);
  expect(first.alreadyShown, 'the posterior was on screen before it could be timed').toBe(false);
  const opened = await until(page, 'the counterfactual of the gallery image', (v) => v.original === 'true' && v.counterfactual.length > 0);
  expect(opened.error).toBeNull();

  // Drop: a PNG gives the posteriors Node gives for it.
  const model = JSON.parse(readFileSync(join(ROOT, 'public/models/index.json'), 'utf8')).models[0].id as string;
  const probe = probePng(5);
  const name = `${engine.name.replace(/\W+/g, '-')}-probe.png`;
  const droppedAt = await page.call(dropImage, { name, type: 'image/png', base64: probe.buffer.toString('base64') });
  const dropped = await until(page, `the posteriors of ${name}`, (v) => v.captions.some((c) => c.includes(name)) && v.posterior.length > 0);
  const node = await classifyInNode(probe.rgba, join(ROOT, 'public/models', model));
  expect(dropped.posterior.length).toBe(node.classes.length);
  for (const [y, p] of dropped.posterior) expect(Math.abs(p - node.result.posterior[y]), `${engine.name}: p(class ${y} | x) against Node`).toBeLessThan(1e-4);
  await shot(page, 'dropped');

  // Slider: the counterfactual image and its posteriors change.
  const before = await settled(page, 'the counterfactual of the dropped image', (v) => v.original === 'true' && v.counterfactual.length > 0);
  const pressedAt = (await page.call(readView, null)).now;
  await page.press(SLIDER, 'ArrowRight', 8);
  const moved = await until(page, 'a new counterfactual', (v) => v.original === 'false' && v.counterfactualImage !== before.counterfactualImage);
  const edited = await settled(page, 'the counterfactual to settle', (v) => v.original === 'false' && v.counterfactual.length > 0);
  expect(JSON.stringify(edited.counterfactual), 'the counterfactual posteriors change').not.toBe(JSON.stringify(before.counterfactual));
  await shot(page, 'slider');

  // Permalink: a fresh session shows the same posteriors and counterfactual.
  await page.click('[data-testid="copy-permalink"]');
  const { link } = await until(page, 'the permalink', (v) => v.link !== null);
  expect(link, 'the dropped image travels in the link').toContain('img=p:');
  const fresh = await engine.open();
  await fresh.goto(link!);
  const reopened = await until(
    fresh,
    'the view from the link',
    (v) => v.captions.some((c) => c.includes('image from the link')) && v.original === 'false' && v.counterfactual.length > 0,
  );
  const restored = await settled(fresh, 'the view from the link', (v) => v.original === 'false' && v.counterfactual.length > 0);
  expect(restored.posterior, `${engine.name}: posteriors after reopening the link`).toEqual(edited.posterior);
  expect(restored.counterfactual, `${engine.name}: counterfactual posteriors after reopening the link`).toEqual(edited.counterfactual);
  await shot(fresh, 'reopened');

  for (const p of [page, fresh]) expect(await p.errors(), `${engine.name}: uncaught errors in the page`).toEqual([]);
  return {
    engine: engine.name,
    backend: opened.backend,
    firstPosteriorMs: first.at,
    dropMs: dropped.now - droppedAt,
    sliderMs: moved.now - pressedAt,
    reopenMs: reopened.now,
  };
}
