/**
 * npm run figures:generative -- [model dir…] [--images N] [--backend wasm|cpu]
 * Prints what the generative panels rest on, per model (default: the bundled MNIST pair), on the first
 * N test images of the card's data set ($GC_LENS_DATA): −log p(x) and brightness of the class means'
 * decodes against test images; per temperature, the samples' bits/dim, brightness and how many are
 * typical; and for "toward the runner-up", the crossing t* and ‖x′ − x‖ / PSNR at t* and at t = 1.
 */
import * as tf from '@tensorflow/tfjs';
import { imageChange } from '../src/explain/imageChange';
import { applyEdits, towardCrossing } from '../src/explain/latentEdit';
import { decodeLatents, describeImages, standardNormal } from '../src/explain/sampling';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { typicalRange } from '../src/state/resultView';
import { fail, parseArgs } from './lib/args';
import { readSplit } from './lib/dataDir';
import { activateNodeBackend } from './lib/nodeBackend';
import { nodePackageFiles } from './lib/nodePackageFiles';

const TEMPERATURES = [0, 0.5, 0.7, 0.8, 0.9, 1, 1.1];
const SAMPLES_PER_T = 40;

const quantiles = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3);
  return `median ${q(0.5)} [5 % ${q(0.05)}, 95 % ${q(0.95)}]`;
};

/** Mean intensity in [0, 1] of each normalized NHWC image. */
function brightness(model: GenerativeClassifier, images: Float32Array, count: number): number[] {
  const { mean, std } = model.spec.preprocessing;
  const c = model.spec.input.channels;
  const size = images.length / count;
  return Array.from({ length: count }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < size; j++) sum += images[i * size + j] * std[j % c] + mean[j % c];
    return sum / size;
  });
}

async function report(dir: string, n: number): Promise<void> {
  const model = await loadClassifier(nodePackageFiles(dir));
  const { channels: c, height: h, width: w } = model.spec.input;
  const size = c * h * w;
  const dims = model.spec.latent.fcDims + model.spec.latent.convDims;
  const k = model.mixture.classes;
  const { mean, std } = model.spec.preprocessing;
  const dataset = (model.spec.card as { dataset?: string }).dataset ?? 'mnist';
  const split = readSplit(dataset, 'test');
  // NCHW uint8 → normalized NHWC, as the app preprocesses (p/255).
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) x[i * size + p * c + ch] = (split.images[i * size + ch * h * w + p] / 255 - mean[ch]) / std[ch];
  const xt = tf.tensor4d(x, [n, h, w, c]);
  const r = await model.classify(xt);
  xt.dispose();
  const range = typicalRange(model.spec.card);
  const typical = (nll: number) => range !== null && nll >= range[0] && nll <= range[1];
  console.log(`\n${model.spec.id}: ${n} ${dataset} test images`);
  console.log(`  test images: bits/dim ${quantiles(Array.from(r.bitsPerDim))}; brightness ${quantiles(brightness(model, x, n))}`);
  const meansT = model.mixture.means([...Array(k).keys()]);
  const means = (await meansT.data()) as Float32Array;
  meansT.dispose();
  const decodedMeans = await decodeLatents(model, means, k);
  const meanFacts = await describeImages(model, decodedMeans.images, k);
  console.log(
    `  class means decoded (T = 0): bits/dim ${quantiles(meanFacts.map((f) => f.bitsPerDim))}; brightness ${quantiles(brightness(model, decodedMeans.images, k))}`,
  );
  for (const t of TEMPERATURES) {
    const noise = standardNormal(7, SAMPLES_PER_T * dims);
    const latents = Float32Array.from(noise, (e, i) => means[(Math.floor(i / dims) % k) * dims + (i % dims)] + t * e);
    const decoded = await decodeLatents(model, latents, SAMPLES_PER_T, { batchSize: 8 });
    const facts = await describeImages(model, decoded.images, SAMPLES_PER_T, { batchSize: 8 });
    const asDrawn = facts.filter((f, i) => f.predicted === i % k).length;
    console.log(
      `  T = ${t.toFixed(2)}: bits/dim ${quantiles(facts.map((f) => f.bitsPerDim))}; brightness ${quantiles(brightness(model, decoded.images, SAMPLES_PER_T))}; ` +
        `typical ${range ? facts.filter((f) => typical(f.nll)).length : 'n/a'}/${SAMPLES_PER_T}; classified as drawn ${asDrawn}/${SAMPLES_PER_T}`,
    );
  }
  const crossings: number[] = [];
  const atCrossing: { l2: number; psnr: number }[] = [];
  const atOne: { l2: number; psnr: number }[] = [];
  for (let i = 0; i < n; i++) {
    const p = r.posterior.subarray(i * k, (i + 1) * k);
    const [a, b] = Array.from(p.keys()).sort((u, v) => p[v] - p[u]);
    const z = new Float32Array(dims);
    z.set(r.zFc.subarray(i * model.spec.latent.fcDims, (i + 1) * model.spec.latent.fcDims));
    z.set(r.zConv.subarray(i * model.spec.latent.convDims, (i + 1) * model.spec.latent.convDims), model.spec.latent.fcDims);
    const t = await towardCrossing(model, z, a, b);
    if (t === null) continue;
    crossings.push(t);
    const moved = new Float32Array(2 * dims);
    for (const [j, amount] of [t, 1].entries()) moved.set(await applyEdits(model, z, [{ direction: { kind: 'toward', from: a, to: b }, amount }]), j * dims);
    const decoded = await decodeLatents(model, moved, 2);
    const original = x.subarray(i * size, (i + 1) * size);
    atCrossing.push(imageChange(original, decoded.images.subarray(0, size), model.spec));
    atOne.push(imageChange(original, decoded.images.subarray(size), model.spec));
  }
  console.log(`  toward the runner-up: crossing t* ${quantiles(crossings)}`);
  console.log(`    at t*: ‖x′ − x‖₂ ${quantiles(atCrossing.map((c) => c.l2))}; PSNR ${quantiles(atCrossing.map((c) => c.psnr))} dB`);
  console.log(`    at t = 1: ‖x′ − x‖₂ ${quantiles(atOne.map((c) => c.l2))}; PSNR ${quantiles(atOne.map((c) => c.psnr))} dB`);
  model.dispose();
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const n = Number(flags.get('images') ?? 200);
  if (!Number.isInteger(n) || n < 1) fail('--images must be a positive integer');
  await activateNodeBackend(flags.get('backend') ?? 'wasm');
  for (const dir of positional.length ? positional : ['public/models/mnist-beta2', 'public/models/mnist-beta16']) await report(dir, n);
}

await main();
