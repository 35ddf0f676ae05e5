import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, chooseBackend } from '../src/flow/backend';
import type { GenerativeClassifier } from '../src/flow/classifier';
import { nchwToNhwc, nhwcToNchw } from '../src/flow/layout';
import { loadClassifier } from '../src/flow/loadClassifier';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';
import { FIXTURES, fixture, maxElementRelativeError, relativeError } from './helpers/fixtures';

const TOLERANCE = 1e-4;
const SHAPE = [4, 3, 48, 48];

/** The parity proof against the authors' float64 outputs, for each checkpoint format and Node backend. */
describe.each([
  ['mini_gc.zip.pt', 'cpu'],
  ['mini_gc.legacy.pt', 'cpu'],
  ['mini_gc.zip.pt', 'wasm'],
  ['mini_gc.legacy.pt', 'wasm'],
] as [string, BackendName][])('parity of %s on %s', (file, backend) => {
  let model: GenerativeClassifier;
  let x: tf.Tensor4D;

  beforeAll(async () => {
    expect((await chooseBackend([backend])).name).toBe(backend);
    const { dir } = await convertFixture(file);
    model = await loadClassifier(nodePackageFiles(dir));
    x = tf.tensor4d(nchwToNhwc(await fixture('mini_x.f32'), SHAPE), [4, 48, 48, 3]);
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('reproduces z_fc, z_conv, log|det J|, logits and nll_joint', async () => {
    const r = await model.classify(x);
    const errors = {
      z_fc: relativeError(r.zFc, await fixture('mini_z_fc.f32')),
      z_conv: relativeError(r.zConv, await fixture('mini_z_conv.f32')),
      log_jac: maxElementRelativeError(r.logDet, await fixture('mini_log_jac.f32')),
      logits: maxElementRelativeError(r.logits, await fixture('mini_logits.f32')),
      nll_joint: maxElementRelativeError(r.nllJoint, await fixture('mini_nll_joint.f32')),
    };
    console.log(`${file} ${backend} forward relative errors`, errors);
    for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(TOLERANCE);
    const ref = await fixture('mini_logits.f32');
    for (let i = 0; i < 4; i++) {
      const row = (a: Float32Array) => Array.from(a.subarray(i * 10, i * 10 + 10));
      const argmax = (v: number[]) => v.indexOf(Math.max(...v));
      expect(argmax(row(r.logits))).toBe(argmax(row(ref)));
    }
  });

  it('inverts (z_fc, z_conv) to x_rec and x', async () => {
    const zFc = tf.tensor2d(await fixture('mini_z_fc.f32'), [4, 3072]);
    const zConv = tf.tensor2d(await fixture('mini_z_conv.f32'), [4, 3840]);
    const xr = model.decode(zFc, zConv);
    const rec = nhwcToNchw((await xr.data()) as Float32Array, [4, 48, 48, 3]);
    tf.dispose([zFc, zConv, xr]);
    const errRec = relativeError(rec, await fixture('mini_x_rec.f32'));
    const errX = relativeError(rec, await fixture('mini_x.f32'));
    console.log(`${file} ${backend} inverse relative errors`, { x_rec: errRec, x: errX });
    expect(errRec).toBeLessThan(TOLERANCE);
    expect(errX).toBeLessThan(TOLERANCE);
  });

  it('matches every stored node output and log-determinant of image 0', async () => {
    const outputs = JSON.parse(await readFile(join(FIXTURES, 'mini_outputs.json'), 'utf8'));
    const nodes = outputs.per_module_forward_output_image0 as Record<string, { file: string; shape: number[] }>;
    const jacs = outputs.per_module_log_jac_image0 as Record<string, number | number[]>;
    const x0 = tf.slice(x, [0, 0, 0, 0], [1, 48, 48, 3]);
    const { z, logDet, intermediates } = model.flow.forward(x0, true);
    const checked: string[] = [];
    for (const step of intermediates!) {
      const index = step.name.match(/^module_list\.(\d+)$/)?.[1];
      if (!index) continue;
      const key = String(Number(index));
      const ref = nodes[key];
      if (!ref) continue;
      const data = (await step.y.data()) as Float32Array;
      const got = step.y.rank === 4 ? nhwcToNchw(data, step.y.shape) : data;
      expect(relativeError(got, await readF(ref.file)), `node ${key}`).toBeLessThan(TOLERANCE);
      const jac = [jacs[key]].flat()[0];
      expect(Math.abs((await step.logDet.data())[0] - jac) / Math.abs(jac), `log-det of node ${key}`).toBeLessThan(TOLERANCE);
      checked.push(key);
    }
    // The permuted z_fc (node 14) is the first 3072 latent values.
    const zFc = (await z.data()).slice(0, 3072);
    expect(relativeError(zFc, await readF(nodes['14'].file))).toBeLessThan(TOLERANCE);
    expect(checked).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12']);
    tf.dispose([x0, z, logDet, ...intermediates!.flatMap((s) => [s.y, s.logDet])]);
  });
});

const readF = (file: string) => fixture(file);
