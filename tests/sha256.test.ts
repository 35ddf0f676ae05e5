import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256OfBlob } from '../src/util/sha256';

const node = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('incremental SHA-256', () => {
  it('matches the known vectors and Node for every length around the block and padding edges', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255);
    for (let n = 0; n <= 300; n++) expect(new Sha256().update(bytes.subarray(0, n)).hex(), `${n} bytes`).toBe(node(bytes.subarray(0, n)));
  });

  it('gives the same digest however the input is split', async () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * i + 7) & 255);
    const hash = new Sha256();
    for (let i = 0, step = 1; i < bytes.length; i += step, step = (step * 7 + 3) % 131) hash.update(bytes.subarray(i, i + step));
    expect(hash.hex()).toBe(node(bytes));
    expect(await sha256OfBlob(new Blob([bytes]), undefined, undefined, 1000)).toBe(node(bytes));
  });

  it('hashes at a usable speed (a 540 MB checkpoint in seconds, not minutes)', () => {
    const bytes = new Uint8Array(32 << 20).fill(7);
    const started = performance.now();
    new Sha256().update(bytes).hex();
    const mbPerS = 32 / 1.048576 / ((performance.now() - started) / 1000);
    console.log(`SHA-256 in TypeScript: ${mbPerS.toFixed(0)} MB/s`);
    expect(mbPerS).toBeGreaterThan(20);
  });
});
