import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/** One temp folder for the whole run, removed at the end, so test outputs never pile up. */
export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'gc-lens-test-'));
  project.provide('tempRoot', root);
  return () => rmSync(root, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    tempRoot: string;
  }
}
