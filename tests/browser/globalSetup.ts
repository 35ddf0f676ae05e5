import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { requireChromium } from '../helpers/requirements';
import { buildApp, TEST_PAGES } from './harness';

/** One production build for all browser suites (each serves it itself), removed at the end of the run. */
export default async function setup(project: TestProject): Promise<() => void> {
  requireChromium();
  const dir = mkdtempSync(join(tmpdir(), 'gc-lens-build-'));
  const started = performance.now();
  await buildApp(dir, TEST_PAGES);
  console.log(`browser tests: app built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  project.provide('appDist', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    appDist: string;
  }
}
