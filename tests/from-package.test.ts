import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { convertToPackage } from '../src/formats/convertToPackage';
import { fileByteSource } from '../tools/lib/nodeByteSource';
import { nodeFileWriter } from '../tools/lib/nodePackageFiles';
import { tempDir } from './helpers/fixtures';
import { trainSmokeModel } from './helpers/officialData';
import { requirePythonTorch } from './helpers/requirements';

const run = promisify(execFile);
const FROM_PACKAGE = join(import.meta.dirname, '..', 'training', 'from_package.py');

/** train.py --init <package>: a converted package (BatchNorms folded) rebuilds into the model it came from. */
describe('training/from_package.py (warm starts from a bundled package)', () => {
  it('rebuilds the checkpoint a package was converted from: the same logits and log|det J|', async () => {
    const python = requirePythonTorch();
    const out = await tempDir('gc-from-package-');
    await trainSmokeModel(python, out);
    const pkg = join(out, 'package');
    const source = await fileByteSource(join(out, 'model.pt'));
    await convertToPackage(source, await nodeFileWriter(pkg), { id: 'smoke', name: 'smoke', storage: 'float32', source: { name: 'model.pt' } }).finally(() =>
      source.close(),
    );
    const { stdout } = await run(python, [FROM_PACKAGE, pkg, '--checkpoint', join(out, 'model.pt'), '--data-dir', join(out, 'data'), '--n', '16']);
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.images).toBe(16);
    expect(result.max_relative_error).toBeLessThan(1e-5);
    expect(result.argmax_agreement).toBe(1);
  }, 300_000);
});
