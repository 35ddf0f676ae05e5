/** The typed messages between the page and the conversion worker. */
import type { ConversionProgress } from '../formats/convertToPackage';
import type { StorageDtype } from '../formats/weightSink';
import type { ConversionFailure } from '../storage/convertIntoStore';
import type { StoredModel } from '../storage/packageStore';

export interface ConversionOptions {
  name?: string;
  /** float16 unless given. */
  storage?: StorageDtype;
  /** Class names for a checkpoint that names none, when their number matches. */
  defaultClassNames?: string[];
}

export type ConversionRequest =
  | { type: 'convert'; id: number; file: File; options: ConversionOptions }
  /** Stops the conversion `id`; it then fails with code 'canceled' once its files are removed. */
  | { type: 'cancel'; id: number };

export type ConversionResponse =
  | { type: 'progress'; id: number; progress: ConversionProgress }
  | { type: 'done'; id: number; model: StoredModel }
  | { type: 'failed'; id: number; failure: ConversionFailure };
