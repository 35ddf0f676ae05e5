import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../src/formats/checkpointError';
import { ModelSpecError } from '../src/formats/jsonFields';
import { mutateBytes } from '../tools/fuzz/mutations';
import { classifyError } from '../tools/fuzz/outcomes';
import { rngFor } from '../tools/fuzz/random';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const fuzz = (args: string[]) =>
  run(tsx, [join(ROOT, 'tools', 'fuzz.ts'), ...args], { cwd: ROOT, timeout: 240_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('the fuzzer', () => {
  it('tells known errors from crashes', () => {
    expect(classifyError('checkpoint', new CheckpointError('bad-pickle', 'x')).known).toBe(true);
    expect(classifyError('package', new ModelSpecError('layers', 'x')).known).toBe(true);
    expect(classifyError('checkpoint', new TypeError("Cannot read properties of undefined (reading 'shape')")).known).toBe(false);
    expect(classifyError('checkpoint', new RangeError('Maximum call stack size exceeded')).known).toBe(false);
    expect(classifyError('image', new Error('x.png could not be decoded as a PNG: Maximum call stack size exceeded')).known).toBe(false);
    expect(classifyError('image', new Error('x.png could not be decoded as a PNG: invalid filter')).known).toBe(true);
    // A known class with an unbounded message is still a finding.
    expect(classifyError('package', Object.assign(new Error('a'.repeat(3000)), { name: 'ModelSpecError' })).known).toBe(false);
    expect(classifyError('package', Object.assign(new Error('line one\nline two'), { name: 'ModelSpecError' })).known).toBe(false);
    // ModelSpecError itself keeps quoted text short.
    expect(new ModelSpecError('x', `got "${'a'.repeat(3000)}"`).message.length).toBeLessThan(100);
  });

  it('mutates deterministically from the seed', () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const a = mutateBytes(bytes, rngFor(7, 3));
    const b = mutateBytes(bytes, rngFor(7, 3));
    expect(a).toEqual(b);
  });

  it('fails, naming the seed and input, when an input ends in an unknown error', async () => {
    const r = await fuzz(['--seed', '5', '--kind', 'link', '--count', '4', '--inject-unknown', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('reproduce: npm run fuzz -- --seed 5 --kind link --index 2');
    expect(r.stdout).toMatch(/unknown TypeError/);
  }, 60_000);

  it('finds nothing in a short fixed-seed run of every kind', async () => {
    const r = await fuzz(['--seed', '1', '--seconds', '30', '--kind', 'all']);
    console.log(r.stdout);
    expect(r.stdout).toContain('no findings');
    expect(r.code).toBe(0);
    for (const kind of ['checkpoint', 'package', 'image', 'link']) expect(r.stdout).toMatch(new RegExp(`${kind}: \\d+ inputs`));
  }, 240_000);
});
