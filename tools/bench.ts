/**
 * npm run bench [-- --reps N --full-reps N --backends wasm,cpu --no-torch --out bench-results/node.json]
 * Median forward, inverse and posterior times at batch 1 for the reference mini model and the
 * full-size released architecture (synthetic weights), per Node backend, and beside them the
 * PyTorch reference on the same CPU (Debian's python3-torch) with the ratio, and the WebGPU dispatch
 * counts of the mini model, plain and fused (Dawn in Node; `--no-webgpu` skips them; the full-size counts
 * take minutes on SwiftShader: `npm run parity:webgpu -- full`). Prints a table, writes JSON.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BackendName, chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { parseArgs } from './lib/args';
import { benchmarkClassifier, type PassTimes } from './lib/benchmark';
import { classifierFromCheckpoint } from './lib/memoryModel';
import { nodePackageFiles } from './lib/nodePackageFiles';
import { type CheckpointLayout, syntheticCheckpoint } from './lib/syntheticCheckpoint';
import { mnistPngFiles, type TrustThroughput, trustThroughput } from './lib/trustBench';

/** The reference fixtures copied into the repository (tests/fixtures/reference-gc/PROVENANCE.md). */
const FIXTURES = join(import.meta.dirname, '..', 'tests', 'fixtures', 'reference-gc');

interface Row extends PassTimes {
  model: string;
  backend: string;
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), ['no-torch', 'no-webgpu', 'no-trust', 'trust-only']);
  const reps = Number(flags.get('reps') ?? 10);
  const fullReps = Number(flags.get('full-reps') ?? 3);
  const backends = (flags.get('backends') ?? 'wasm,cpu').split(',') as BackendName[];
  const out = flags.get('out') ?? 'bench-results/node.json';
  const layout = JSON.parse(await readFile(join(FIXTURES, 'imagenet_layout.json'), 'utf8')) as CheckpointLayout;
  const rows: Row[] = [];
  const trustOnly = flags.has('trust-only');
  for (const backend of trustOnly ? [] : backends) {
    await chooseBackend([backend]);
    const models: [string, () => Promise<GenerativeClassifier>, number][] = [
      ['reference-mini 3x48x48', () => loadClassifier(nodePackageFiles('public/models/reference-mini')), reps],
      ['full-size 3x224x224 (synthetic)', () => classifierFromCheckpoint(syntheticCheckpoint(layout), 'imagenet-synthetic'), backend === 'cpu' ? 1 : fullReps],
    ];
    for (const [name, load, n] of models) {
      const model = await load();
      const times = await benchmarkClassifier(model, n);
      model.dispose();
      rows.push({ model: name, backend, ...times });
      process.stderr.write(`${name} on ${backend}: done\n`);
    }
  }
  if (!flags.has('no-torch') && !trustOnly) rows.push(...(await torchRows(fullReps)));
  if (rows.length) printTable(rows);
  const webgpuDispatches = flags.has('no-webgpu') || trustOnly ? null : dispatchCounts();
  const trust = flags.has('no-trust') ? null : await trustRows();
  await mkdir(dirname(out), { recursive: true });
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version };
  await writeFile(out, `${JSON.stringify({ machine, date: new Date().toISOString(), rows, webgpuDispatches, trust }, null, 1)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

/** Trust report: the first 300 MNIST test digits as PNG files through mnist-beta2 on wasm, per batch size. */
async function trustRows(): Promise<TrustThroughput[]> {
  await chooseBackend(['wasm']);
  const model = await loadClassifier(nodePackageFiles('public/models/mnist-beta2'));
  const files = await mnistPngFiles(join(import.meta.dirname, '..', 'tests', 'fixtures', 'trust'));
  const rows: TrustThroughput[] = [];
  try {
    for (const batch of [1, 8, 32]) rows.push(await trustThroughput(model, files, batch));
  } finally {
    model.dispose();
  }
  console.log(`\nTrust report throughput, mnist-beta2 (1x28x28) on wasm, ${files.length} PNG files decoded, preprocessed and classified:`);
  for (const r of rows) console.log(`  batch ${String(r.batch).padStart(2)}: ${r.imagesPerSecond.toFixed(0).padStart(5)} images/s (${r.seconds.toFixed(2)} s)`);
  return rows;
}

type Passes = { forward: number; posterior: number; inverse: number };

/** WebGPU dispatches of one pass of the mini model, plain tfjs ops and fused kernels (tools/webgpu-parity.ts, through Dawn). */
function dispatchCounts(): { adapter: string; plain: Passes; fused: Passes } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'tools/webgpu-parity.ts', 'mini'], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { adapter: string; batch: number; plain: Passes; fused: Passes };
  const line = (p: Passes) => `forward + posterior ${p.forward + p.posterior}, inverse ${p.inverse}`;
  console.log(`\nWebGPU dispatches, reference-mini at batch ${r.batch} (${r.adapter}):`);
  console.log(`  plain tfjs ops: ${line(r.plain)}\n  fused kernels:  ${line(r.fused)}`);
  return r;
}

/** The PyTorch reference on the same machine, on a synthetic checkpoint in the released layout. */
async function torchRows(reps: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-bench-'));
  const checkpoint = join(dir, 'synthetic.pt');
  try {
    execFileSync('/usr/bin/python3', ['tools/make_synthetic_checkpoint.py', join(FIXTURES, 'imagenet_layout.json'), checkpoint]);
    const threads = String(cpus().length);
    const args = ['tools/bench_torch.py', checkpoint, FIXTURES, '--reps', String(reps), '--threads', threads];
    const out = execFileSync('/usr/bin/python3', args, { encoding: 'utf8' });
    const result = JSON.parse(out) as { torch: string; rows: Record<string, PassTimes> };
    return Object.entries(result.rows).map(([model, t]) => ({ model, backend: `torch ${result.torch} (${threads} threads)`, ...t }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function printTable(rows: Row[]): void {
  const ms = (v: number) => v.toFixed(1).padStart(10);
  const reference = (r: Row) => rows.find((t) => t.model === r.model && t.backend.startsWith('torch'));
  const ratio = (r: Row) => {
    const t = reference(r);
    return t ? `${(r.forward / t.forward).toFixed(2)}x / ${(r.inverse / t.inverse).toFixed(2)}x` : '';
  };
  console.log(
    `${'model'.padEnd(34)}${'backend'.padEnd(28)}` +
      `${'forward ms'.padStart(11)}${'inverse ms'.padStart(11)}${'posterior ms'.padStart(13)}  reps  vs torch (fwd / inv)`,
  );
  for (const r of rows)
    console.log(
      `${r.model.padEnd(34)}${r.backend.padEnd(28)} ${ms(r.forward)} ${ms(r.inverse)}  ${ms(r.posterior)}  ${String(r.reps).padStart(4)}  ${ratio(r)}`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
