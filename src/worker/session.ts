/** What the inference worker holds between requests: the active model and the current image. */
import * as tf from '@tensorflow/tfjs';
import { decodeLatentBatch, joinLatents } from '../explain/latentDecode';
import type { GenerativeClassifier } from '../flow/classifier';
import { loadClassifier } from '../flow/loadClassifier';
import { httpPackageFiles, type LoadProgress } from '../formats/modelPackage';
import { storedPackageFiles } from '../storage/packageStore';
import { decodeImage } from './decodeImage';
import { colorNotes, normalizePixels, pixelsToRgba, quantizedModelInput } from './modelPixels';
import type { ImageInput, InputNote, ModelSource, Pixels } from './protocol';

export interface CurrentImage {
  /** Normalized NHWC [1, H, W, C]. */
  x: Float32Array;
  /** Flat [z_fc, z_conv]. */
  z: Float32Array;
  posterior: Float32Array;
  logits: Float32Array;
}

export const session: { model: GenerativeClassifier | null; image: CurrentImage | null } = { model: null, image: null };

export function requireModel(): GenerativeClassifier {
  if (!session.model) throw new Error('no model is loaded');
  return session.model;
}

export function requireImage(): CurrentImage {
  if (!session.image) throw new Error('no image has been classified yet');
  return session.image;
}

export async function loadFromSource(source: ModelSource, onProgress: LoadProgress): Promise<GenerativeClassifier> {
  const files = 'modelUrl' in source ? httpPackageFiles(source.modelUrl) : storedPackageFiles(source.storedId);
  const model = await loadClassifier(files, onProgress);
  try {
    await warmUp(model);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** One forward and one inverse pass on zeros, so that shaders are compiled before the first real image. */
async function warmUp(model: GenerativeClassifier): Promise<void> {
  const { channels, height, width } = model.spec.input;
  const x = tf.zeros([1, height, width, channels]);
  try {
    const { zFc, zConv } = await model.classify(x);
    await decodeLatentBatch(model, joinLatents(model.spec, zFc, zConv, 1), 1);
  } finally {
    x.dispose();
  }
}

export interface PreparedInput {
  data: Float32Array;
  batch: number;
  pixels: Pixels | null;
  notes: InputNote[];
}

/** Any image input → the model's normalized NHWC input, through the model's own preprocessing. */
export async function prepareInput(input: ImageInput, model: GenerativeClassifier): Promise<PreparedInput> {
  const { spec } = model;
  const { channels, height, width } = spec.input;
  if (input.kind === 'tensor') {
    if (input.data.length !== input.batch * channels * height * width)
      throw new Error(
        `the input holds ${input.data.length} values; ` +
          `${input.batch} image(s) of ${width}x${height}x${channels} need ${input.batch * channels * height * width}`,
      );
    return { data: input.data, batch: input.batch, pixels: null, notes: [] };
  }
  if (input.kind === 'pixels' && input.width === width && input.height === height && input.channels === channels)
    return { data: normalizePixels(input, spec), batch: 1, pixels: input, notes: [] };
  const needed = spec.preprocessing.resizeShorter ?? Math.max(width, height);
  const decoded = input.kind === 'file' ? await decodeImage(input.file, input.name, needed) : { image: pixelsToRgba(input), notes: [] };
  const { data, pixels } = quantizedModelInput(decoded.image, spec);
  return { data, batch: 1, pixels, notes: [...decoded.notes, ...colorNotes(decoded.image, channels)] };
}
