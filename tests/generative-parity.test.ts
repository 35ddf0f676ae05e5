import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { joinLatents } from '../src/explain/latentDecode';
import { principalDirections, separatingDimensions } from '../src/explain/latentEdit';
import { decodeLatents, interpolateImages, sampleClass } from '../src/explain/sampling';
import type { SliderId } from '../src/explain/sliderId';
import { chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { nchwToNhwc } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { convertToPackage } from '../src/formats/convertToPackage';
import { concatFloat32 } from '../src/util/concat';
import { editLatent } from '../src/worker/latentEdits';
import { fileByteSource } from '../tools/lib/nodeByteSource';
import { nodeFileWriter, nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';
import { FIXTURES, readF32, tempDir } from './helpers/fixtures';
import { trainSmokeModel } from './helpers/officialData';
import { requirePythonTorch } from './helpers/requirements';

const run = promisify(execFile);
const DECODE = join(import.meta.dirname, '..', 'training', 'decode.py');
/** The bound: max |x_TS − x_PyTorch| in pixel units (normalized value × std: the [0, 1] intensity scale). */
const PIXEL_TOLERANCE = 1e-4;

/**
 * The generative path, proven against PyTorch: for the same checkpoint, seed and latent, the app's
 * decodes (TensorFlow.js, float32, src/explain and the worker's slider → edit mapping) equal
 * training/decode.py's (PyTorch, float64 from the float32 weights), which draws its own noise with
 * numpy and builds its own class means, principal directions and residual.
 */
describe('generative path: TensorFlow.js decodes equal PyTorch decodes', () => {
  it("on the authors' reference mini checkpoint", async () => {
    await chooseBackend(['cpu']);
    const { dir } = await convertFixture('mini_gc.zip.pt');
    const model = await loadClassifier(nodePackageFiles(dir));
    try {
      await compareDecodes(model, join(FIXTURES, 'mini_gc.zip.pt'), join(FIXTURES, 'mini_x.f32'));
    } finally {
      model.dispose();
    }
  }, 300_000);

  it('on a model of the MNIST topology trained by training/ (smoke run)', async () => {
    const python = requirePythonTorch();
    const out = await tempDir('gc-generative-');
    await trainSmokeModel(python, out);
    const pkg = join(out, 'package');
    const source = await fileByteSource(join(out, 'model.pt'));
    await convertToPackage(source, await nodeFileWriter(pkg), { id: 'smoke', name: 'smoke', storage: 'float32', source: { name: 'model.pt' } }).finally(() =>
      source.close(),
    );
    await chooseBackend(['cpu']);
    const model = await loadClassifier(nodePackageFiles(pkg));
    try {
      await compareDecodes(model, join(out, 'model.pt'), join(out, 'logits', 'x.f32'));
    } finally {
      model.dispose();
    }
  }, 300_000);
});

type Part = 'sample' | 'class_means' | 'interpolation' | 'edits';

async function compareDecodes(model: GenerativeClassifier, checkpoint: string, imagesFile: string): Promise<void> {
  const python = requirePythonTorch();
  const { channels: c, height: h, width: w } = model.spec.input;
  const size = c * h * w;
  const dims = model.spec.latent.fcDims + model.spec.latent.convDims;
  const k = model.mixture.classes;
  const work = await tempDir('gc-decode-');
  const nchw = await readF32(imagesFile);
  const image = (i: number) => tf.tensor4d(nchwToNhwc(nchw.subarray(i * size, (i + 1) * size), [1, c, h, w]), [1, h, w, c]);
  await writeFile(join(work, 'pair.f32'), nchw.subarray(0, 2 * size));
  await writeFile(join(work, 'one.f32'), nchw.subarray(0, size));

  const ours: Record<Part, Float32Array> = {} as Record<Part, Float32Array>;
  const sample = { class: 3, count: 3, seed: 42, temperature: 0.7 };
  ours.sample = (await sampleClass(model, sample.class, { count: sample.count, seed: sample.seed, temperature: sample.temperature })).images;
  const means = await Promise.all(Array.from({ length: k }, (_, y) => sampleClass(model, y, { count: 1, seed: 0, temperature: 0 })));
  ours.class_means = concatFloat32(means.map((m) => m.images));
  const [xA, xB] = [image(0), image(1)];
  ours.interpolation = (await interpolateImages(model, xA, xB, 5)).images;

  // The editor on image 0: "toward" leaves its predicted class, as the app's sliders do.
  const t = model.forwardTensors(xA);
  const [zFc, zConv, logits] = (await Promise.all([t.zFc.data(), t.zConv.data(), t.logits.data()])) as Float32Array[];
  tf.dispose([...Object.values(t), xA, xB]);
  const z = joinLatents(model.spec, zFc, zConv, 1);
  const from = logits.indexOf(Math.max(...logits));
  const to = (from + 1) % k;
  const principal = await principalDirections(model, k - 1);
  const [separating] = await separatingDimensions(model, z, from, to, 1);
  const signOf = (j: number) => {
    const v = principal.directions.subarray(j * dims, (j + 1) * dims);
    const at = v.reduce((best, x, i) => (Math.abs(x) > Math.abs(v[best]) ? i : best), 0);
    return { sign_at: at, sign: Math.sign(v[at]) };
  };
  const std0 = Math.sqrt(principal.variances[0]);
  const edits: { slider: SliderId; amount: number; python: object }[] = [
    ...[0.5, 1, 1.5].map((amount) => ({ slider: { kind: 'toward', to } as SliderId, amount, python: { kind: 'toward', to, amount } })),
    ...[
      [0, 2 * std0],
      [1, -std0],
    ].map(([index, amount]) => ({ slider: { kind: 'principal', index } as SliderId, amount, python: { kind: 'principal', index, amount, ...signOf(index) } })),
    { slider: { kind: 'dimension', index: separating.index }, amount: 1.5, python: { kind: 'dimension', index: separating.index, amount: 1.5 } },
    ...[-1, 0.5].map((amount) => ({ slider: { kind: 'residual' } as SliderId, amount, python: { kind: 'residual', amount } })),
  ];
  const edited = new Float32Array(edits.length * dims);
  for (const [i, e] of edits.entries()) edited.set(await editLatent(model, z, from, [{ direction: e.slider, amount: e.amount }], principal), i * dims);
  ours.edits = (await decodeLatents(model, edited, edits.length)).images;

  const request = {
    checkpoint,
    sample,
    class_means: Array.from({ length: k }, (_, y) => y),
    interpolation: { x: join(work, 'pair.f32'), steps: 5 },
    edits: { x: join(work, 'one.f32'), from, principal_count: principal.count, list: edits.map((e) => e.python) },
  };
  await writeFile(join(work, 'request.json'), JSON.stringify(request));
  await run(python, [DECODE, join(work, 'request.json'), join(work, 'out')], { maxBuffer: 1 << 24 });
  const manifest = JSON.parse(await readFile(join(work, 'out', 'manifest.json'), 'utf8'));
  const { std } = model.spec.preprocessing;
  for (const part of Object.keys(ours) as Part[]) {
    const { shape } = manifest[part] as { shape: number[] };
    const theirs = nchwToNhwc(await readF32(join(work, 'out', `${part}.f32`)), shape);
    const mine = ours[part];
    expect(theirs.length, part).toBe(mine.length);
    let worst = 0;
    for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]) * std[i % c]);
    console.log(`${model.spec.id} ${part}: ${shape[0]} image(s), max |x_TS − x_PyTorch| = ${worst.toExponential(2)} pixel units`);
    expect(Number.isFinite(worst), part).toBe(true);
    expect(worst, part).toBeLessThan(PIXEL_TOLERANCE);
  }
}
