import { mkdtemp, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The reference fixtures, copied into the repository so a fresh clone can run the tests (see PROVENANCE.md there). */
export const FIXTURES = join(ROOT, 'tests', 'fixtures', 'reference-gc');

/** The ImageNet class names the app serves (public domain, imagenet-simple-labels). */
export const IMAGENET_SIMPLE_LABELS = join(ROOT, 'public', 'labels', 'imagenet-simple-labels.json');

export async function readF32(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}

export const fixture = (name: string) => readF32(join(FIXTURES, name));

/** max |a − b| / max |b|: relative to the reference's scale, so values near zero don't blow it up. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkComparable(a, b);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Elementwise max |a − b| / |b| (for values far from zero, like logits). */
export function maxElementRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkComparable(a, b);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return worst;
}

/** An empty or truncated output must fail a comparison, not pass it with error 0. */
function checkComparable(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new Error('nothing to compare: both arrays are empty');
}

/** A fresh folder inside the run's temp root (tests/helpers/globalSetup.ts removes it at the end). */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(inject('tempRoot'), prefix));
}
