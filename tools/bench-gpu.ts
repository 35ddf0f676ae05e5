/**
 * npm run bench:gpu [-- --model full|mini --device cuda|cpu --reps N --python python3 --out bench-results/gpu.json]
 * One run, one set of weights: tfjs-webgpu in Node through Dawn (the npm package `webgpu`) and
 * PyTorch (eager float32, TF32 off) on the same checkpoint. For `full`, the released
 * architecture with seeded synthetic weights (tools/make_synthetic_checkpoint.py) that both sides
 * load; for `mini`, the authors' reference fixture. Prints WebGPU dispatch counts (plain tfjs ops
 * vs fused kernels), median forward / inverse / posterior times of both paths at batch 1, PyTorch's
 * beside them with the ratio, and PyTorch's TF32 flags. On a GPU machine run tools/gpu-bench.sh.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { withFusedKernels } from '../src/flow/webgpu/fused';
import { convertToPackage } from '../src/formats/convertToPackage';
import { parseArgs } from './lib/args';
import { benchmarkClassifier, type PassTimes } from './lib/benchmark';
import { activateDawnWebGPU, withDawnEnvironment } from './lib/dawnNode';
import { countPassDispatches, type PassDispatches } from './lib/dispatchCounts';
import { fileByteSource } from './lib/nodeByteSource';
import { nodeFileWriter, nodePackageFiles } from './lib/nodePackageFiles';

const FIXTURES = join(import.meta.dirname, '..', 'tests', 'fixtures', 'reference-gc');
const MODEL_NAMES = { mini: 'reference-mini 3x48x48', full: 'full-size 3x224x224 (synthetic)' } as const;

interface TorchResult {
  torch: string;
  device: string;
  gpu: string | null;
  allow_tf32: { 'cuda.matmul': boolean; cudnn: boolean };
  rows: Record<string, PassTimes>;
}

/** Converts a .pt checkpoint to a float32 package in dir and loads it on the active backend. */
async function loadCheckpoint(checkpoint: string, dir: string): Promise<GenerativeClassifier> {
  const source = await fileByteSource(checkpoint);
  try {
    await convertToPackage(source, await nodeFileWriter(dir), {
      id: 'bench-gpu',
      name: 'bench-gpu',
      storage: 'float32',
      source: { name: checkpoint },
      preprocessing: { resizeShorter: null, centerCrop: false, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
  } finally {
    await source.close();
  }
  return loadClassifier(nodePackageFiles(dir));
}

async function main(): Promise<void> {
  withDawnEnvironment();
  const { flags } = parseArgs(process.argv.slice(2), ['no-torch']);
  const which = (flags.get('model') ?? 'full') as keyof typeof MODEL_NAMES;
  if (!(which in MODEL_NAMES)) throw new Error(`--model must be full or mini, got "${which}"`);
  const device = flags.get('device') ?? 'cuda';
  const reps = Number(flags.get('reps') ?? (which === 'full' ? 20 : 10));
  const python = flags.get('python') ?? 'python3';
  const out = flags.get('out') ?? `bench-results/gpu-${which}.json`;
  const work = await mkdtemp(join(tmpdir(), 'gc-bench-gpu-'));
  try {
    let checkpoint = join(FIXTURES, 'mini_gc.zip.pt');
    if (which === 'full') {
      checkpoint = join(work, 'synthetic.pt');
      process.stderr.write('writing the synthetic full-size checkpoint (PyTorch)…\n');
      execFileSync(python, ['tools/make_synthetic_checkpoint.py', join(FIXTURES, 'imagenet_layout.json'), checkpoint], { stdio: 'inherit' });
    }
    const adapter = await activateDawnWebGPU();
    process.stderr.write(`WebGPU adapter: ${adapter}\n`);
    const model = await loadCheckpoint(checkpoint, join(work, 'package'));
    const dispatches: Record<'plain' | 'fused', PassDispatches> = {
      plain: await withFusedKernels(false, () => countPassDispatches(model)),
      fused: await withFusedKernels(true, () => countPassDispatches(model)),
    };
    process.stderr.write('timing the fused kernels…\n');
    const fused = await withFusedKernels(true, () => benchmarkClassifier(model, reps));
    process.stderr.write('timing the plain tfjs ops…\n');
    const plain = await withFusedKernels(false, () => benchmarkClassifier(model, reps));
    model.dispose();
    let torch: TorchResult | null = null;
    if (!flags.has('no-torch')) {
      process.stderr.write(`timing PyTorch on ${device}…\n`);
      const args = [
        'tools/bench_torch.py',
        checkpoint,
        FIXTURES,
        '--only',
        which,
        '--device',
        device,
        '--reps',
        String(reps),
        '--threads',
        String(cpus().length),
      ];
      if (which === 'mini') args.push('--mini-checkpoint', checkpoint);
      torch = JSON.parse(execFileSync(python, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as TorchResult;
    }
    const reference = torch?.rows[MODEL_NAMES[which]];
    const ms = (v: number) => v.toFixed(2).padStart(11);
    const ratio = (t: PassTimes) => (reference ? `${(t.forward / reference.forward).toFixed(2)}x / ${(t.inverse / reference.inverse).toFixed(2)}x` : '');
    console.log(`model: ${MODEL_NAMES[which]}, batch 1, median of ${reps}; WebGPU adapter: ${adapter}`);
    console.log(
      `WebGPU dispatches (forward + posterior / inverse): plain ${dispatches.plain.forward} + ${dispatches.plain.posterior} / ${dispatches.plain.inverse}, fused ${dispatches.fused.forward} + ${dispatches.fused.posterior} / ${dispatches.fused.inverse}`,
    );
    console.log(`${'path'.padEnd(44)}${'forward ms'.padStart(12)}${'inverse ms'.padStart(12)}${'posterior ms'.padStart(14)}  vs torch (fwd / inv)`);
    const row = (name: string, t: PassTimes) => console.log(`${name.padEnd(44)} ${ms(t.forward)} ${ms(t.inverse)}   ${ms(t.posterior)}  ${ratio(t)}`);
    row('tfjs-webgpu (Dawn), fused kernels', fused);
    row('tfjs-webgpu (Dawn), plain tfjs ops', plain);
    if (torch && reference) {
      row(`torch ${torch.torch} ${torch.device}${torch.gpu ? ` (${torch.gpu})` : ''}`, reference);
      console.log(
        `PyTorch TF32: torch.backends.cuda.matmul.allow_tf32 = ${torch.allow_tf32['cuda.matmul']}, torch.backends.cudnn.allow_tf32 = ${torch.allow_tf32.cudnn}`,
      );
    }
    await mkdir(dirname(out), { recursive: true });
    const result = {
      date: new Date().toISOString(),
      model: MODEL_NAMES[which],
      adapter,
      node: process.version,
      reps,
      dispatches,
      webgpu: { fused, plain },
      torch,
    };
    await writeFile(out, `${JSON.stringify(result, null, 1)}\n`);
    process.stderr.write(`wrote ${out}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
