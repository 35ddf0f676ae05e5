/**
 * The resource budget for reading and converting a checkpoint. Every limit is named in the error
 * that enforces it, and each sits far above the released models (see tests/checkpoint.test.ts,
 * which checks them against tests/fixtures/reference-gc/imagenet_layout.json), so only hostile or
 * broken files reach them. The CLI and the browser share this code.
 */
import { CheckpointError } from './checkpointError';

/**
 * Elements the tensors of one checkpoint may declare, and separately produce when read: two per
 * byte of file (a float32 file yields a quarter), plus an allowance so tiny files may expand
 * a few tensors. Stride 0 and shared storages are the only ways to exceed one element per 4 bytes.
 */
export const ELEMENTS_PER_FILE_BYTE = 2;
export const ELEMENT_ALLOWANCE = 1 << 22;
/** Whatever the file size: 2^30 float32 elements are 4 GiB of weights, 7x the released ImageNet model. */
export const MAX_CHECKPOINT_ELEMENTS = 2 ** 30;
/** A stride-0 tensor may repeat its stored elements at most this many times (or make this floor). */
export const MAX_STRETCH = 16;
export const STRETCH_FLOOR = 4096;

/** Architecture limits, checked from shapes before anything is allocated for them. */
export const MAX_MODULE_INDEX = 1023;
export const MAX_CLASSES = 100_000;
export const MAX_CHANNELS = 65_536;
export const MAX_KERNEL = 31;
/** fc + conv latent dimensions: 3 x 2364²; the released model has 3 x 224². */
export const MAX_LATENT_DIMS = 2 ** 24;

/** Counts the elements a checkpoint declares and produces against the budget for its size. */
export class ElementBudget {
  readonly limit: number;
  private declared = 0;
  private produced = 0;
  /** The tensor at which declarations passed the limit. */
  private overAt: string | undefined;

  constructor(
    fileSize: number,
    private readonly fileName = 'the checkpoint',
  ) {
    this.limit = Math.min(MAX_CHECKPOINT_ELEMENTS, ELEMENTS_PER_FILE_BYTE * fileSize + ELEMENT_ALLOWANCE);
  }

  private fail(total: number, what: string, tensor: string): never {
    const why =
      this.limit === MAX_CHECKPOINT_ELEMENTS
        ? `at most ${MAX_CHECKPOINT_ELEMENTS} (MAX_CHECKPOINT_ELEMENTS)`
        : `at most ${this.limit} for a file of this size (${ELEMENTS_PER_FILE_BYTE} per byte + ${ELEMENT_ALLOWANCE}, ELEMENTS_PER_FILE_BYTE)`;
    throw new CheckpointError('too-large', `${this.fileName}: its tensors ${what} ${total} elements in all (reached at ${tensor}); GC Lens accepts ${why}`);
  }

  /**
   * A tensor was built (during unpickling). Records are lazy, so nothing is refused yet: a truncated
   * legacy file declares more than its size allows, and "truncated" is the better diagnosis.
   */
  declare(elements: number, tensor: string): void {
    this.declared += elements;
    if (this.declared > this.limit) this.overAt ??= tensor;
  }

  /** After the file's structure checked out: refuse it if its tensors declared too much. */
  checkDeclared(): void {
    if (this.overAt !== undefined) this.fail(this.declared, 'declare', this.overAt);
  }

  /** A tensor is about to be read: called before its buffer is allocated. */
  produce(elements: number, tensor: string): void {
    this.produced += elements;
    if (this.produced > this.limit) this.fail(this.produced, 'would produce', tensor);
  }
}
