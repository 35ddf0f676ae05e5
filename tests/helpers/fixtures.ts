import { mkdtemp, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

/** shared/ sits beside the checkout (developers and CI alike). */
export const SHARED = resolve(process.env.GC_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared'));
export const FIXTURES = join(SHARED, 'fixtures', 'reference-gc');

export async function readF32(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}

export const fixture = (name: string) => readF32(join(FIXTURES, name));

/** max |a − b| / max |b|: relative to the reference's scale, so values near zero don't blow it up. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
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
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return worst;
}

/** A fresh folder inside the run's temp root (tests/helpers/globalSetup.ts removes it at the end). */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(inject('tempRoot'), prefix));
}
