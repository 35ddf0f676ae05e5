/** The adversarial probe's requests: an attack on the current image, and the same attack over a list of images. */
import type { AttackSettings } from '../explain/attack';
import { attackImage } from '../explain/attack';
import { attackBatch } from '../explain/attackBatch';
import type { ModelSpec } from '../formats/modelSpec';
import type { AttackOutcome, BatchAttackResult, ModelInputImage, Pixels, TrustImage } from './protocol';
import { prepareInput, requireImage, requireModel } from './session';

type Spec = Pick<ModelSpec, 'input' | 'preprocessing'>;
type Progress = (done: number, total: number) => void;

/** Mid-gray plus the amplified δ fills this many levels each way at the largest |δ|. */
const PERTURBATION_LEVELS = 127;

/** The current image's 8-bit pixels (pixel units) recovered from its normalized values; attacks start from an 8-bit image. */
function eightBitStart(x: Float32Array, spec: Spec): Float32Array {
  const { mean, std } = spec.preprocessing;
  const channels = spec.input.channels;
  return Float32Array.from(x, (v, i) => {
    const p = 255 * (v * std[i % channels] + mean[i % channels]);
    const byte = Math.round(p);
    if (Math.abs(p - byte) > 1e-3 || byte < 0 || byte > 255)
      throw new Error(`the attack starts from an 8-bit image, and the current image is not one (value ${i} is ${p.toFixed(4)} in pixel units)`);
    return byte;
  });
}

/** Pixel values (NHWC, [0, 255]) as RGBA for display. */
function pixelImage(values: ArrayLike<number>, spec: Spec, map: (v: number, i: number) => number = (v) => v): ModelInputImage {
  const { channels, height, width } = spec.input;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) {
      const at = i * channels + (channels === 1 ? 0 : k);
      rgba[4 * i + k] = map(values[at], at);
    }
    rgba[4 * i + 3] = 255;
  }
  return { width, height, rgba };
}

export async function attackCurrent(settings: AttackSettings, searchAttacks: number, signal: AbortSignal, onStep: Progress): Promise<AttackOutcome> {
  const started = performance.now();
  const model = requireModel();
  const start = eightBitStart(requireImage().x, model.spec);
  const report = await attackImage(model, start, settings, { searchAttacks, signal, onStep });
  const shown = report.rounded.pixels;
  const largest = report.rounded.linf;
  const perturbationScale = largest > 0 ? PERTURBATION_LEVELS / largest : 1;
  return {
    report,
    image: pixelImage(shown, model.spec),
    perturbation: pixelImage(shown, model.spec, (v, i) => 128 + perturbationScale * (v - start[i])),
    perturbationScale,
    pixels: toPixels(shown, model.spec),
    elapsedMs: performance.now() - started,
  };
}

function toPixels(values: Float32Array, spec: Spec): Pixels {
  const { channels, height, width } = spec.input;
  return { width, height, channels: channels as 1 | 3, pixels: Uint8Array.from(values) };
}

/**
 * One batch of the trust report's attack: each image decoded and preprocessed as a single image (prepareInput), then
 * attacked from its 8-bit model input. An image that cannot be read is skipped with its reason.
 */
export async function attackImages(images: TrustImage[], settings: AttackSettings, signal: AbortSignal, onStep: Progress): Promise<BatchAttackResult[]> {
  const model = requireModel();
  const results: (BatchAttackResult | null)[] = [];
  const starts: Float32Array[] = [];
  for (const { name, file } of images) {
    if (signal.aborted) throw new Error('canceled');
    try {
      const { pixels } = await prepareInput({ kind: 'file', file, name }, model);
      if (!pixels) throw new Error('it has no 8-bit model input');
      starts.push(Float32Array.from(pixels.pixels));
      results.push(null);
    } catch (e) {
      results.push({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const attacked = await attackBatch(model, starts, settings, { signal, onStep });
  let next = 0;
  return results.map((r) => r ?? { ok: true, ...attacked[next++] });
}
