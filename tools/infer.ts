/**
 * npm run infer -- <model dir> <image files…> --out <dir> [--backend wasm|cpu]
 * npm run infer -- <model dir> --tensor <x.f32> --shape N,C,H,W --out <dir> [--backend wasm|cpu]
 * Writes z_fc.f32, z_conv.f32, log_jac.f32, logits.f32, x_rec.f32 (float32 LE, C order, NCHW) and summary.json.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { nchwToNhwc, nhwcToNchw } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { preprocessImage } from '../src/formats/preprocess';
import { fail, parseArgs } from './lib/args';
import { decodeImageFile } from './lib/decodeImage';
import { activateNodeBackend } from './lib/nodeBackend';
import { nodePackageFiles } from './lib/nodePackageFiles';

async function readTensor(path: string, shapeText: string | undefined, expect: number[]): Promise<Float32Array> {
  const shape = (shapeText ?? '').split(',').map(Number);
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) fail(`--shape must be N,C,H,W, got "${shapeText}"`);
  if (shape.slice(1).join() !== expect.join()) fail(`--shape ${shape} does not match the model's input ${expect.join(',')}`);
  const bytes = await readFile(path);
  const n = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 * n) fail(`${path} has ${bytes.length} bytes; shape ${shape} needs ${4 * n}`);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = bytes.readFloatLE(4 * i);
  return nchwToNhwc(x, shape);
}

const le = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [modelDir, ...images] = positional;
  const out = flags.get('out');
  if (!modelDir || !out || (images.length === 0) === !flags.has('tensor'))
    fail('usage: npm run infer -- <model dir> (<images…> | --tensor x.f32 --shape N,C,H,W) --out <dir> [--backend wasm|cpu]');
  const backend = await activateNodeBackend(flags.get('backend') ?? 'wasm');
  const model = await loadClassifier(nodePackageFiles(modelDir));
  const { channels: c, height: h, width: w } = model.spec.input;
  let nhwc: Float32Array;
  let inputs: string[];
  if (flags.has('tensor')) {
    nhwc = await readTensor(flags.get('tensor')!, flags.get('shape'), [c, h, w]);
    inputs = Array.from({ length: nhwc.length / (c * h * w) }, (_, i) => `${flags.get('tensor')}[${i}]`);
  } else {
    nhwc = new Float32Array(images.length * c * h * w);
    for (const [i, path] of images.entries()) nhwc.set(preprocessImage(await decodeImageFile(path), model.spec), i * c * h * w);
    inputs = images;
  }
  const n = inputs.length;
  const x = tf.tensor4d(nhwc, [n, h, w, c]);
  const result = await model.classify(x);
  const zFc = tf.tensor2d(result.zFc, [n, model.spec.latent.fcDims]);
  const zConv = tf.tensor2d(result.zConv, [n, model.spec.latent.convDims]);
  const xRec = model.decode(zFc, zConv);
  const rec = nhwcToNchw((await xRec.data()) as Float32Array, [n, h, w, c]);
  tf.dispose([x, zFc, zConv, xRec]);

  await mkdir(out, { recursive: true });
  const k = result.classes;
  const files: Record<string, [Float32Array, number[]]> = {
    'z_fc.f32': [result.zFc, [n, model.spec.latent.fcDims]],
    'z_conv.f32': [result.zConv, [n, model.spec.latent.convDims]],
    'log_jac.f32': [result.logDet, [n]],
    'logits.f32': [result.logits, [n, k]],
    'x_rec.f32': [rec, [n, c, h, w]],
  };
  for (const [name, [data]] of Object.entries(files)) await writeFile(join(out, name), le(data));
  const top5 = inputs.map((input, i) => {
    const p = Array.from(result.posterior.subarray(i * k, (i + 1) * k));
    const order = p
      .map((_, y) => y)
      .sort((a, b) => p[b] - p[a])
      .slice(0, 5);
    return {
      input,
      top5: order.map((y) => ({ index: y, name: model.spec.classes[y], probability: p[y], logit: result.logits[i * k + y] })),
      logPx: result.logEvidence[i],
      bitsPerDim: result.bitsPerDim[i],
    };
  });
  const summary = {
    model: model.spec.id,
    backend,
    inputOrder: inputs,
    shapes: Object.fromEntries(Object.entries(files).map(([name, [, shape]]) => [name, shape])),
    layout: 'float32 little-endian, C order; images NCHW',
    results: top5,
  };
  await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
  model.dispose();
  process.stderr.write(`wrote ${out} (${n} inputs, backend ${backend})\n`);
}

main().catch((e) => fail((e as Error).message));
