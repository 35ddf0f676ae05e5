import { ModelSpecError } from './jsonFields';

/**
 * What model.json may ask for, so that a small package cannot make loading or a forward pass take
 * gigabytes or minutes. The released models sit far inside each limit (ImageNet: 224², 1000
 * classes, DCT size 7, 3072 channels at 7×7, 3.2M values in its largest activation).
 */
export const MODEL_LIMITS = {
  /** Input height and width: 1024² float32 images are 12 MB each; occlusion maps run many at once. */
  inputSide: 1024,
  /** resizeShorter as a multiple of the input's larger side: more only slows resizing down. */
  resizeFactor: 2,
  /** Class names and means; ImageNet-21k has 21,841. */
  classes: 25000,
  /** dct_pool builds two size⁴ float32 matrices: 32 gives 4 MB each (128 would give 1 GB each). */
  dctSize: 32,
  /** Layers in the flow; weights may be shared by name, so bytes alone do not bound the build. ImageNet has 21. */
  layers: 256,
  /** Ops in one subnet; the released ones have 5 to 7. */
  subnetOps: 64,
  /** Output channels of one subnet conv; the released ImageNet model's widest is 3072. */
  convChannels: 4096,
  /** Values in one subnet activation of one image: 2^24 is 64 MB, five times ImageNet's largest. */
  activationValues: 2 ** 24,
  /** Smallest std and largest |mean|: normalized pixels then stay within ±1e12, finite in float32. */
  minStd: 1e-6,
  maxAbsMean: 1e6,
} as const;

/** Refuses a value past a limit, naming the limit and what it protects. */
export function atMost(path: string, value: number, max: number, what: string): void {
  if (value > max) throw new ModelSpecError(path, `is ${value}; GC Lens accepts at most ${max} (${what})`);
}
