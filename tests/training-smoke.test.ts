import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';
import { nchwToNhwc } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { convertToPackage } from '../src/formats/convertToPackage';
import { fileByteSource } from '../tools/lib/nodeByteSource';
import { nodeFileWriter, nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { maxElementRelativeError, readF32, relativeError, tempDir } from './helpers/fixtures';
import { trainSmokeModel } from './helpers/officialData';
import { requirePythonTorch } from './helpers/requirements';

/** Our PyTorch training code → our converter → our runtime: the whole path for bundled models. */
describe('training smoke test (Debian python3-torch, CPU)', () => {
  it('trains a few steps, converts, and TypeScript logits equal PyTorch logits on 8 images', async () => {
    const python = requirePythonTorch();
    const out = await tempDir('gc-smoke-');
    await trainSmokeModel(python, out);
    const pkg = join(out, 'package');
    const source = await fileByteSource(join(out, 'model.pt'));
    const spec = await convertToPackage(source, await nodeFileWriter(pkg), {
      id: 'smoke',
      name: 'smoke',
      storage: 'float32',
      source: { name: 'model.pt' },
    }).finally(() => source.close());
    expect(spec.input).toEqual({ channels: 1, height: 28, width: 28 });
    expect(spec.layers[0].type).toBe('haar');

    const ref = JSON.parse(await readFile(join(out, 'logits', 'outputs.json'), 'utf8'));
    const read = (name: string) => readF32(join(out, 'logits', `${name}.f32`));
    await chooseBackend(['cpu']);
    const model = await loadClassifier(nodePackageFiles(pkg));
    const shape = ref.x.shape as number[];
    const x = tf.tensor4d(nchwToNhwc(await read('x'), shape), [shape[0], shape[2], shape[3], shape[1]]);
    const r = await model.classify(x);
    tf.dispose(x);
    model.dispose();
    expect(r.batch).toBe(8);
    expect(maxElementRelativeError(r.logits, await read('logits'))).toBeLessThan(1e-4);
    expect(relativeError(r.zFc, await read('z_fc'))).toBeLessThan(1e-4);
    expect(maxElementRelativeError(r.logDet, await read('log_jac'))).toBeLessThan(1e-4);
  }, 300_000);
});
