/** Test page: converts checkpoints through the conversion worker into OPFS and reads them back. */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/flow/backend';
import { GenerativeClassifier } from '../../src/flow/classifier';
import { nchwToNhwc } from '../../src/flow/layout';
import { WeightStore } from '../../src/flow/weightStore';
import { loadModelPackage } from '../../src/formats/modelPackage';
import type { ConversionFailure } from '../../src/storage/convertIntoStore';
import { listStoredModels, STORE_FOLDER, type StoredModel, storedPackageFiles } from '../../src/storage/packageStore';
import type { StoreDirectory } from '../../src/storage/storeDirectory';
import { ConversionClient, ConversionError, fetchClassNames, IMAGENET_LABELS_PATH } from '../../src/worker/conversionClient';
import type { ConversionOptions } from '../../src/worker/conversionProtocol';
import { FIXTURE_ROUTE } from './fixtureRoute';

export interface ConvertRequest {
  url: string;
  name: string;
  options?: ConversionOptions;
  /** Keep only the first bytes of the file. */
  truncateTo?: number;
  /** Cancel once this many nodes are converted. */
  cancelAfterNodes?: number;
  /** Pass the app's ImageNet class names as defaultClassNames. */
  imagenetLabels?: boolean;
}

export interface ConvertOutcome {
  model?: StoredModel;
  failure?: ConversionFailure;
  /** From fetch to the end of the worker's conversion (the file is fetched into a Blob first). */
  fetchMs: number;
  convertMs: number;
  progressMessages: number;
}

export interface ConversionPage {
  convert(request: ConvertRequest): Promise<ConvertOutcome>;
  list(): Promise<StoredModel[]>;
  /** Every folder in the store, committed or not, without the sweep listing does. */
  folders(): Promise<string[]>;
  /** The reference mini model's logits for mini_x, computed from the stored package on the cpu backend. */
  miniLogits(id: string): Promise<number[]>;
  /** model.json and the SHA-256 of each stored shard. */
  digest(id: string): Promise<{ modelJson: string; shards: Record<string, string> }>;
}

declare global {
  interface Window {
    conversionPage?: ConversionPage;
  }
}

const client = new ConversionClient();

async function fetched(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

async function fixtureF32(name: string): Promise<Float32Array> {
  const view = new DataView(await (await fetched(`${FIXTURE_ROUTE}${name}`)).arrayBuffer());
  return Float32Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

window.conversionPage = {
  async convert({ url, name, options = {}, truncateTo, cancelAfterNodes, imagenetLabels }) {
    const start = performance.now();
    const blob = await (await fetched(url)).blob();
    const file = new File([truncateTo === undefined ? blob : blob.slice(0, truncateTo)], name);
    const defaultClassNames = imagenetLabels ? await fetchClassNames(`/${IMAGENET_LABELS_PATH}`) : undefined;
    const converting = performance.now();
    const controller = new AbortController();
    let progressMessages = 0;
    const fetchMs = converting - start;
    try {
      const model = await client.convert(
        file,
        { ...options, defaultClassNames },
        (p) => {
          progressMessages++;
          if (cancelAfterNodes !== undefined && (p.nodesDone ?? 0) >= cancelAfterNodes) controller.abort();
        },
        controller.signal,
      );
      return { fetchMs, model, convertMs: performance.now() - converting, progressMessages };
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      return { fetchMs, failure: { code: error.code, message: error.message }, convertMs: performance.now() - converting, progressMessages };
    }
  },

  list: listStoredModels,

  async folders() {
    const root = await navigator.storage.getDirectory();
    const models = (await root.getDirectoryHandle(STORE_FOLDER, { create: true })) as unknown as StoreDirectory;
    const names: string[] = [];
    for await (const name of models.keys()) names.push(name);
    return names.sort();
  },

  async miniLogits(id) {
    await chooseBackend(['cpu']);
    const { spec, weights } = await loadModelPackage(storedPackageFiles(id));
    const model = GenerativeClassifier.build(spec, new WeightStore(weights));
    const { channels: c, height: h, width: w } = spec.input;
    const x = tf.tensor4d(nchwToNhwc(await fixtureF32('mini_x.f32'), [4, c, h, w]), [4, h, w, c]);
    try {
      return Array.from((await model.classify(x)).logits);
    } finally {
      x.dispose();
      model.dispose();
    }
  },

  async digest(id) {
    const files = storedPackageFiles(id);
    const modelJson = await files.readText('model.json');
    const shards: Record<string, string> = {};
    for (const path of JSON.parse(modelJson).weightsManifest[0].paths as string[])
      shards[path] = hex(await crypto.subtle.digest('SHA-256', (await files.readBinary(path)) as Uint8Array<ArrayBuffer>));
    return { modelJson, shards };
  },
};
