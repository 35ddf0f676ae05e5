/** Trust-report throughput in Node: PNG files decoded, preprocessed as the app does, classified in batches. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { classifyOutcomes } from '../../src/explain/trustOutcomes';
import type { GenerativeClassifier } from '../../src/flow/classifier';
import { quantizedModelInput } from '../../src/worker/modelPixels';
import { decodeImageBytes } from './decodeImage';

export interface TrustThroughput {
  batch: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

/** The MNIST test digits of tests/fixtures/trust (CC BY-SA 3.0, see its README), each as its own PNG file's bytes. */
export async function mnistPngFiles(fixtures: string): Promise<Buffer[]> {
  const grid = PNG.sync.read(await readFile(join(fixtures, 'mnist-test-300.png')));
  const count = (grid.width / 28) * (grid.height / 28);
  return Array.from({ length: count }, (_, i) => {
    const png = new PNG({ width: 28, height: 28, colorType: 0 });
    const top = 28 * Math.floor(i / (grid.width / 28));
    const left = 28 * (i % (grid.width / 28));
    for (let y = 0; y < 28; y++) grid.data.copy(png.data, 4 * y * 28, 4 * ((top + y) * grid.width + left), 4 * ((top + y) * grid.width + left + 28));
    return PNG.sync.write(png, { colorType: 0 });
  });
}

/** Images per second over all files at one batch size, after one warm-up batch. */
export async function trustThroughput(model: GenerativeClassifier, files: Buffer[], batch: number): Promise<TrustThroughput> {
  const { channels, height, width } = model.spec.input;
  const size = channels * height * width;
  const runBatch = async (chunk: Buffer[]) => {
    const data = new Float32Array(chunk.length * size);
    for (const [i, bytes] of chunk.entries()) data.set(quantizedModelInput(await decodeImageBytes(bytes, 'bench.png'), model.spec).data, i * size);
    const x = tf.tensor4d(data, [chunk.length, height, width, channels]);
    try {
      await classifyOutcomes(model, x);
    } finally {
      x.dispose();
    }
  };
  await runBatch(files.slice(0, batch));
  const started = performance.now();
  for (let start = 0; start < files.length; start += batch) await runBatch(files.slice(start, start + batch));
  const seconds = (performance.now() - started) / 1000;
  return { batch, images: files.length, seconds, imagesPerSecond: files.length / seconds };
}
