/**
 * npm run parity:webgpu -- mini|full
 * The fused WebGPU kernels (src/flow/webgpu) against the plain tfjs ops on the same backend, through
 * Dawn in Node (SwiftShader here, a GPU where there is one): `mini` is the reference fixture's package
 * at batch 2, `full` the released layout with synthetic weights at batch 1 (minutes on SwiftShader).
 * Prints one JSON line (dispatch counts, relative errors) and exits 1 when an error reaches 1e-5 or
 * the fused dispatches exceed the targets (mini 115, full 200 per pass).
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { loadClassifier } from '../src/flow/loadClassifier';
import { withFusedKernels } from '../src/flow/webgpu/fused';
import { activateDawnWebGPU, DispatchCounter, withDawnEnvironment } from './lib/dawnNode';
import { classifierFromCheckpoint } from './lib/memoryModel';
import { nodePackageFiles } from './lib/nodePackageFiles';
import { normalSampler, syntheticCheckpoint } from './lib/syntheticCheckpoint';

/** ‖a − b‖ / ‖b‖. */
function relative(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Max over elements of |a − b| / max(|b|, 1e-3·max|b|). */
function maxRelative(a: Float32Array, b: Float32Array): number {
  const scale = 1e-3 * b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), scale)), 0);
}

async function load(which: string): Promise<GenerativeClassifier> {
  if (which === 'mini') return loadClassifier(nodePackageFiles('public/models/reference-mini'));
  const layout = JSON.parse(await readFile('tests/fixtures/reference-gc/imagenet_layout.json', 'utf8'));
  return classifierFromCheckpoint(syntheticCheckpoint(layout), 'imagenet-synthetic');
}

async function main(): Promise<number> {
  const which = process.argv[2] ?? 'mini';
  const adapter = await activateDawnWebGPU();
  const model = await load(which);
  const { channels: c, height: h, width: w } = model.spec.input;
  const batch = which === 'mini' ? 2 : 1;
  const normal = normalSampler(7);
  const x = tf.tensor4d(Float32Array.from({ length: batch * h * w * c }, normal), [batch, h, w, c]);
  const split = (z: tf.Tensor) => tf.split(z, [model.spec.latent.fcDims, model.spec.latent.convDims], 1);
  const pass = (fused: boolean, zFc?: tf.Tensor, zConv?: tf.Tensor) =>
    withFusedKernels(fused, () => {
      const forward = DispatchCounter.count(() => model.flow.forward(x));
      const [fc, conv] = zFc && zConv ? [zFc, zConv] : split(forward.result.z);
      const head = DispatchCounter.count(() => model.mixture.evaluate(fc, conv));
      const inverse = DispatchCounter.count(() => model.decode(fc, conv));
      return { forward, head, inverse, fc, conv };
    });
  const plain = pass(false);
  // Heads and inverses from the same latents, so each kernel is compared on equal inputs.
  const fused = pass(true, plain.fc, plain.conv);
  const data = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const pairs = {
    z: [fused.forward.result.z, plain.forward.result.z],
    logDet: [fused.forward.result.logDet, plain.forward.result.logDet],
    logits: [fused.head.result.logits, plain.head.result.logits],
    posterior: [fused.head.result.posterior, plain.head.result.posterior],
    inverse: [fused.inverse.result, plain.inverse.result],
  };
  const errors: Record<string, { relative: number; maxElement: number }> = {};
  for (const [name, [f, p]] of Object.entries(pairs)) {
    const [a, b] = [await data(f), await data(p)];
    errors[name] = { relative: relative(a, b), maxElement: maxRelative(a, b) };
  }
  const roundTrip = relative(await data(fused.inverse.result), await data(x));
  const counts = (r: typeof plain) => ({ forward: r.forward.total, posterior: r.head.total, inverse: r.inverse.total });
  const result = { adapter, model: which, batch, plain: counts(plain), fused: counts(fused), errors, roundTrip };
  console.log(JSON.stringify(result));
  const limit = which === 'mini' ? 115 : 200;
  const fusedCounts = counts(fused);
  const failures = [
    ...Object.entries(errors)
      .filter(([, e]) => !(e.relative < TOLERANCE))
      .map(([name, e]) => `${name} differs by ${e.relative.toExponential(2)} (limit ${TOLERANCE})`),
    ...(fusedCounts.forward + fusedCounts.posterior > limit ? [`forward + posterior makes ${fusedCounts.forward + fusedCounts.posterior} dispatches`] : []),
    ...(fusedCounts.inverse > limit ? [`inverse makes ${fusedCounts.inverse} dispatches`] : []),
  ];
  for (const f of failures) console.error(`parity:webgpu ${which}: ${f}`);
  return failures.length ? 1 : 0;
}

/** Relative error the fused kernels may show against the plain ops. */
const TOLERANCE = 1e-5;

withDawnEnvironment();
main().then(
  (status) => process.exit(status),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
