/**
 * npm run verify:bundled -- <model dir> <training checkpoint.pt> [--posteriors N] [--backend wasm|cpu]
 * The proof for a bundled model: our runtime, on the shipped package, reproduces the PyTorch
 * test accuracy on the full test set (within 0.1 %) and PyTorch's posteriors on the first N test
 * images (within 1e-4). Prints the figures; exits non-zero when either falls short.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../src/flow/loadClassifier';
import { preprocessImage } from '../src/formats/preprocess';
import { fail, parseArgs } from './lib/args';
import { dataDir, readSplit } from './lib/dataDir';
import { activateNodeBackend } from './lib/nodeBackend';
import { nodePackageFiles } from './lib/nodePackageFiles';

const BATCH = 100;

/** The test split as RGBA images, from the data directory (training/prepare_data.py). */
function testImages(dataset: string): { images: { width: number; height: number; data: Uint8Array }[]; labels: Uint8Array } {
  const { shape, images: pixels, labels } = readSplit(dataset, 'test');
  const [channels, height, width] = shape;
  const plane = height * width;
  const images = Array.from({ length: labels.length }, (_, i) => {
    const data = new Uint8Array(plane * 4);
    const image = pixels.subarray(i * channels * plane, (i + 1) * channels * plane);
    for (let p = 0; p < plane; p++) {
      // NCHW planes -> RGBA pixels; one channel is gray.
      const rgb = channels === 1 ? [image[p], image[p], image[p]] : [image[p], image[plane + p], image[2 * plane + p]];
      data.set([...rgb, 255], 4 * p);
    }
    return { width, height, data };
  });
  return { images, labels };
}

function softmaxRows(logits: Float32Array, k: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    for (const [y, v] of row.entries()) out[r * k + y] = Math.exp(v - max) / sum;
  }
  return out;
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [modelDir, checkpoint] = positional;
  if (!modelDir || !checkpoint) fail('usage: npm run verify:bundled -- <model dir> <training checkpoint.pt> [--posteriors N] [--backend wasm|cpu]');
  const nPosteriors = Number(flags.get('posteriors') ?? 1000);
  await activateNodeBackend(flags.get('backend') ?? 'wasm');
  const model = await loadClassifier(nodePackageFiles(modelDir));
  const card = model.spec.card as { dataset?: string; measured: { name: string; value: number }[] };
  const { images, labels } = testImages(card.dataset ?? 'mnist');
  const { channels: c, height: h, width: w } = model.spec.input;
  const k = model.spec.classes.length;
  const posterior = new Float32Array(labels.length * k);
  let correct = 0;
  const t0 = performance.now();
  for (let start = 0; start < labels.length; start += BATCH) {
    const n = Math.min(BATCH, labels.length - start);
    const x = new Float32Array(n * h * w * c);
    for (let i = 0; i < n; i++) x.set(preprocessImage(images[start + i], model.spec), i * h * w * c);
    const input = tf.tensor4d(x, [n, h, w, c]);
    const r = await model.classify(input);
    input.dispose();
    posterior.set(r.posterior, start * k);
    for (let i = 0; i < n; i++) {
      const row = Array.from(r.posterior.subarray(i * k, (i + 1) * k));
      if (row.indexOf(Math.max(...row)) === labels[start + i]) correct++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = (100 * correct) / labels.length;
  const reported = card.measured.find((m) => m.name === 'test accuracy')?.value;

  const dir = mkdtempSync(join(tmpdir(), 'gc-verify-'));
  let worst = 0;
  try {
    execFileSync('/usr/bin/python3', ['training/export_logits.py', checkpoint, '--n', String(nPosteriors), '--data-dir', dataDir(), '--out-dir', dir]);
    const ref = readFileSync(join(dir, 'logits.f32'));
    const logits = new Float32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const torchPosterior = softmaxRows(logits, k);
    for (let i = 0; i < nPosteriors * k; i++) worst = Math.max(worst, Math.abs(torchPosterior[i] - posterior[i]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  model.dispose();
  console.log(`model ${model.spec.id}: TypeScript test accuracy ${accuracy.toFixed(2)} % on ${labels.length} images (${seconds.toFixed(1)} s)`);
  console.log(
    `PyTorch test accuracy from the model card: ${reported?.toFixed(2)} %; ` +
      `difference ${reported === undefined ? 'n/a' : Math.abs(accuracy - reported).toFixed(3)} points`,
  );
  console.log(`max |p_ts(y|x) − p_torch(y|x)| on the first ${nPosteriors} test images: ${worst.toExponential(2)}`);
  if (reported === undefined || Math.abs(accuracy - reported) > 0.1 || worst > 1e-4) process.exit(1);
}

main().catch((e) => fail((e as Error).message));
