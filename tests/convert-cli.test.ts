/**
 * The broken-file corpus through the command line (`npm run convert`) as real processes: each must exit
 * non-zero with exactly one stderr line holding the expected error, within a time and memory bound.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, corpusBytes, EXPECTED, HOSTILE_CHECKPOINTS } from './helpers/corpus';

const ROOT = join(import.meta.dirname, '..');
const TMP = mkdtempSync(join(tmpdir(), 'gc-lens-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The hostile files of issue 12, plus a sample of the older entries (the in-process suite runs them all). */
const HOSTILE = [...HOSTILE_CHECKPOINTS, 'truncated-magic.p1.legacy.pt'];
const SAMPLE = [
  'empty.pt',
  'not-a-checkpoint.png',
  'plain.zip',
  'forbidden-global.legacy.pt',
  'compressed-pickle.zip.pt',
  'shape-exceeds-storage.zip.pt',
  'absurd-shape.zip.pt',
  'huge-string.zip.pt',
  'deep-marks.zip.pt',
  'truncated-tiny.zip.pt',
];

/** Memory the CLI may take on any input up to 1 MB (issue 12); the JS heap is capped at the same figure. */
const MAX_RSS_BYTES = 1.5 * 2 ** 30;
const MAX_SECONDS = 20; // the bound is 60 s; a hostile file that slips through takes minutes, a refused one well under 1 s

// Writes the process's peak resident memory to $GC_LENS_PEAK_FILE as it exits (process.exit included).
const PEAK_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => " +
    'writeFileSync(process.env.GC_LENS_PEAK_FILE, String(process.resourceUsage().maxRSS * 1024)));',
)}`;

function corpusFile(name: string): string {
  if (!EXPECTED[name].from) return join(CORPUS, name);
  // Truncated copies are recipes: written out here for the command line.
  const path = join(TMP, name);
  writeFileSync(path, corpusBytes(name));
  return path;
}

interface Run {
  code: number | null;
  stderr: string;
  seconds: number;
  peakBytes: number;
}

function convert(file: string, name: string): Promise<Run> {
  const peakFile = join(TMP, `${name}.peak`);
  const args = ['--max-old-space-size=1536', '--import', 'tsx', '--import', PEAK_HOOK, 'tools/convert.ts', file, '--out', join(TMP, `out-${name}`)];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, GC_LENS_PEAK_FILE: peakFile } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      let peakBytes = Infinity;
      try {
        peakBytes = Number(readFileSync(peakFile, 'utf8'));
      } catch {
        /* killed before exiting normally */
      }
      resolve({ code, stderr, seconds, peakBytes });
    });
  });
}

describe('npm run convert on the broken corpus', () => {
  it('covers every hostile entry and only listed ones', () => {
    for (const name of [...HOSTILE, ...SAMPLE]) expect(EXPECTED[name], name).toBeDefined();
  });

  // Two processes at a time: each is mostly tsx start-up.
  const runs = new Map<string, Promise<Run>>();
  const queue = [...HOSTILE, ...SAMPLE];
  const chain: Array<Promise<unknown>> = [Promise.resolve(), Promise.resolve()];
  const runOf = (name: string): Promise<Run> => {
    if (!runs.has(name)) {
      const lane = queue.indexOf(name) % 2;
      const run = chain[lane].then(() => convert(corpusFile(name), name));
      chain[lane] = run.catch(() => undefined);
      runs.set(name, run);
    }
    return runs.get(name)!;
  };

  it.each(queue)(
    '%s: exits 1 with one error line, quickly and in bounded memory',
    async (name) => {
      for (const other of queue) runOf(other); // start everything, in order, on first use
      const run = await runOf(name);
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      expect(lines, run.stderr.slice(0, 2000)).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toContain(EXPECTED[name].message);
      expect(lines[0].length).toBeLessThan(700);
      expect(run.code).toBe(1);
      expect(run.seconds).toBeLessThan(MAX_SECONDS);
      expect(run.peakBytes).toBeLessThan(MAX_RSS_BYTES);
    },
    120_000,
  );
});
