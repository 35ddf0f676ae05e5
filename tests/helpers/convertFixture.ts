import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, chooseBackend } from '../../src/flow/backend';
import type { GenerativeClassifier } from '../../src/flow/classifier';
import { nchwToNhwc } from '../../src/flow/layout';
import { loadClassifier } from '../../src/flow/loadClassifier';
import { convertToPackage } from '../../src/formats/convertToPackage';
import type { ModelSpec } from '../../src/formats/modelSpec';
import type { StorageDtype } from '../../src/formats/weightSink';
import { fileByteSource } from '../../tools/lib/nodeByteSource';
import { nodeFileWriter, nodePackageFiles } from '../../tools/lib/nodePackageFiles';
import { FIXTURES, fixture, tempDir } from './fixtures';

/** Converts a fixture checkpoint through the command-line path into a fresh temp folder. */
export async function convertFixture(file: string, storage: StorageDtype = 'float32'): Promise<{ dir: string; spec: ModelSpec }> {
  const dir = await tempDir('gc-lens-');
  const source = await fileByteSource(join(FIXTURES, file));
  try {
    const spec = await convertToPackage(source, await nodeFileWriter(dir), {
      id: 'reference-mini',
      name: 'Reference mini model',
      storage,
      source: { name: file },
      preprocessing: { resizeShorter: null, centerCrop: false, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    return { dir, spec };
  } finally {
    await source.close();
  }
}

/** The authors' mini model on a Node backend, with the fixture's four inputs as NHWC. */
export async function referenceMini(backend: BackendName = 'cpu'): Promise<{ model: GenerativeClassifier; images: tf.Tensor4D }> {
  await chooseBackend([backend]);
  const { dir } = await convertFixture('mini_gc.zip.pt');
  const model = await loadClassifier(nodePackageFiles(dir));
  const images = tf.tensor4d(nchwToNhwc(await fixture('mini_x.f32'), [4, 3, 48, 48]), [4, 48, 48, 3]);
  return { model, images };
}
