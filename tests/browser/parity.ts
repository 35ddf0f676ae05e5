/** Test page: runs the reference mini model on mini_x in the inference worker, on one forced backend. */
import type { BackendName } from '../../src/flow/backend';
import { nchwToNhwc, nhwcToNchw } from '../../src/flow/layout';
import { InferenceClient } from '../../src/worker/client';
import { TFJS_WASM_DIR } from '../../src/worker/wasmAssets';
import { FIXTURE_ROUTE } from './fixtureRoute';

export interface ParityRun {
  /** What chooseBackend activated, and what TensorFlow.js reported while classifying. */
  chosen: string;
  computedBy: string;
  zFc: number[];
  zConv: number[];
  logDet: number[];
  logits: number[];
  nllJoint: number[];
  /** The inverse of the reference (z_fc, z_conv), NCHW. */
  xRec: number[];
}

declare global {
  interface Window {
    runParity?: (backend: BackendName) => Promise<ParityRun>;
  }
}

async function fixture(name: string): Promise<Float32Array> {
  const res = await fetch(`${FIXTURE_ROUTE}${name}`);
  if (!res.ok) throw new Error(`fixture ${name}: HTTP ${res.status}`);
  const view = new DataView(await res.arrayBuffer());
  return Float32Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

window.runParity = async (backend) => {
  const client = new InferenceClient();
  const url = (path: string) => new URL(path, location.origin).href;
  try {
    const chosen = await client.call('init', { backends: [backend], wasmPaths: url(`/${TFJS_WASM_DIR}/`) });
    const spec = await client.call('load', { modelUrl: url('/models/reference-mini/') });
    const { channels: c, height: h, width: w } = spec.input;
    const batch = 4;
    const x = nchwToNhwc(await fixture('mini_x.f32'), [batch, c, h, w]);
    const { result, backend: computedBy } = await client.call('classify', { input: { kind: 'tensor', data: x, batch } });
    const [zFc, zConv] = await Promise.all([fixture('mini_z_fc.f32'), fixture('mini_z_conv.f32')]);
    const rec = await client.call('decode', { zFc, zConv, batch });
    return {
      chosen: chosen.name,
      computedBy,
      zFc: Array.from(result.zFc),
      zConv: Array.from(result.zConv),
      logDet: Array.from(result.logDet),
      logits: Array.from(result.logits),
      nllJoint: Array.from(result.nllJoint),
      xRec: Array.from(nhwcToNchw(rec, [batch, h, w, c])),
    };
  } finally {
    client.terminate();
  }
};
