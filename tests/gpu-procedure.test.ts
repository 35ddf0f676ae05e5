import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';
import { nchwToNhwc } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { convertToPackage } from '../src/formats/convertToPackage';
import { fileByteSource } from '../tools/lib/nodeByteSource';
import { nodeFileWriter, nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { maxElementRelativeError, readF32, tempDir } from './helpers/fixtures';
import { requirePythonTorch } from './helpers/requirements';

const run = promisify(execFile);
const REHEARSE = join(import.meta.dirname, '..', 'training', 'gpu', 'rehearse.sh');

/** training/gpu: the GPU machine procedure, rehearsed on this CPU against a fake device (tiny data and models). */
describe('GPU training procedure, rehearsed on the CPU', () => {
  it('uploads data in parts, trains in the background between calls, and brings back checkpoints the app runs exactly', async () => {
    const python = requirePythonTorch();
    const work = await tempDir('gc-gpu-rehearsal-');
    const { stdout } = await run('bash', [REHEARSE, work], { env: { ...process.env, PYTHON: python }, maxBuffer: 1 << 26, timeout: 280_000 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`rehearse.sh failed:\n${error.stdout?.slice(-3000)}\n${error.stderr?.slice(-3000)}`);
      },
    );
    const done = /REHEARSAL OK: (\d+) device calls, (\d+) result pieces/.exec(stdout);
    expect(done, stdout.slice(-3000)).not.toBeNull();
    const uploads = stdout.match(/^call \d+: bash training\/gpu\/receive\.sh/gm) ?? [];
    expect(uploads.length).toBeGreaterThanOrEqual(3); // the data took several calls
    expect(Number(done![2])).toBeGreaterThanOrEqual(2); // and the results several pieces
    expect(stdout).toContain('cifar10: ready (sha256 ok)');
    expect(stdout).toContain('STATE done');

    // A checkpoint that came back in pieces converts, and the app's logits equal PyTorch's (computed on the "device").
    const runDir = join(work, 'back', 'results', 'cifar10_beta16');
    const source = await fileByteSource(join(runDir, 'cifar10_gc_beta16.pt'));
    const pkg = join(work, 'package');
    await convertToPackage(source, await nodeFileWriter(pkg), {
      id: 'rehearsal',
      name: 'rehearsal',
      storage: 'float32',
      source: { name: 'cifar10_gc_beta16.pt' },
    }).finally(() => source.close());
    const ref = JSON.parse(await readFile(join(runDir, 'logits', 'outputs.json'), 'utf8'));
    const shape = ref.x.shape as number[];
    await chooseBackend(['cpu']);
    const model = await loadClassifier(nodePackageFiles(pkg));
    const x = tf.tensor4d(nchwToNhwc(await readF32(join(runDir, 'logits', 'x.f32')), shape), [shape[0], shape[2], shape[3], shape[1]]);
    const r = await model.classify(x);
    tf.dispose(x);
    model.dispose();
    expect(maxElementRelativeError(r.logits, await readF32(join(runDir, 'logits', 'logits.f32')))).toBeLessThan(1e-4);
  }, 300_000);
});
