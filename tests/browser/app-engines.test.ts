import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { RESULTS } from './app-helpers';
import { type SmokeFigures, smokeSteps } from './engineSteps';
import { chromiumEngine, type Engine, firefoxEngine, webkitEngine } from './engines';
import { type ServedApp, serveApp } from './harness';

const VIEWPORT = { width: 1280, height: 900 };
const ENGINES: [string, (viewport: typeof VIEWPORT) => Promise<Engine>][] = [
  ['Chromium', chromiumEngine],
  ['Firefox ESR', firefoxEngine],
  ['WebKitGTK', webkitEngine],
];

/** The same smoke steps (tests/browser/engineSteps.ts) in the three browser engines, each on the backend it chooses. */
describe('the app in every browser engine', () => {
  let app: ServedApp | undefined;
  const figures: SmokeFigures[] = [];

  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    app = await serveApp(inject('appDist'));
  });
  afterAll(async () => {
    await app?.close();
    if (figures.length)
      console.table(
        figures.map((f) => ({
          ...f,
          firstPosteriorMs: Math.round(f.firstPosteriorMs),
          dropMs: Math.round(f.dropMs),
          sliderMs: Math.round(f.sliderMs),
          reopenMs: Math.round(f.reopenMs),
        })),
      );
  });

  it.each(ENGINES)(
    '%s: opens, takes a dropped image, moves a slider, and reopens its permalink with the same posteriors',
    async (_name, launch) => {
      const engine = await launch(VIEWPORT);
      try {
        const measured = await smokeSteps(engine, app!.url);
        console.log(`${measured.engine} (${measured.backend}): first posterior ${measured.firstPosteriorMs.toFixed(0)} ms after navigation`);
        figures.push(measured);
      } finally {
        await engine.close();
      }
    },
    240_000,
  );
});
