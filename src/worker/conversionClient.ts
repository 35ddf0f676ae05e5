import type { ConversionProgress } from '../formats/convertToPackage';
import type { ConversionErrorCode } from '../storage/convertIntoStore';
import type { StoredModel } from '../storage/packageStore';
import type { ConversionOptions, ConversionRequest, ConversionResponse } from './conversionProtocol';

/** Where the app serves the 1000 ImageNet class names (public/labels). */
export const IMAGENET_LABELS_PATH = 'labels/imagenet-simple-labels.json';

export class ConversionError extends Error {
  constructor(
    readonly code: ConversionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

interface PendingConversion {
  resolve(model: StoredModel): void;
  reject(error: ConversionError): void;
  onProgress?: (progress: ConversionProgress) => void;
}

/** The page's side of the conversion worker. */
export class ConversionClient {
  private readonly worker = new Worker(new URL('./conversion.worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, PendingConversion>();
  private nextId = 1;

  constructor() {
    this.worker.onmessage = (event: MessageEvent<ConversionResponse>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.rejectAll(new ConversionError('failed', `the conversion worker failed: ${event.message || 'it could not be started'}`));
    };
  }

  /**
   * Converts a checkpoint into browser storage and resolves with its listing entry. Rejects with a
   * ConversionError; aborting `signal` cancels it (code 'cancelled', nothing stored).
   */
  convert(
    file: File,
    options: ConversionOptions = {},
    onProgress?: (progress: ConversionProgress) => void,
    signal?: AbortSignal,
  ): Promise<StoredModel> {
    const id = this.nextId++;
    const cancel = () => this.worker.postMessage({ type: 'cancel', id } satisfies ConversionRequest);
    const converted = new Promise<StoredModel>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ type: 'convert', id, file, options } satisfies ConversionRequest);
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
    return converted
      .then((model) => {
        // Asks the browser not to evict stored models under storage pressure; it may say no.
        void navigator.storage.persist().catch(() => false);
        return model;
      })
      .finally(() => signal?.removeEventListener('abort', cancel));
  }

  terminate(): void {
    this.worker.terminate();
    this.rejectAll(new ConversionError('cancelled', 'the conversion worker was stopped'));
  }

  private receive(message: ConversionResponse): void {
    const call = this.pending.get(message.id);
    if (!call) return;
    if (message.type === 'progress') {
      call.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'done') call.resolve(message.model);
    else call.reject(new ConversionError(message.failure.code, message.failure.message));
  }

  private rejectAll(error: ConversionError): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

/** The class names of a labels file: a JSON array of strings. */
export async function fetchClassNames(url: string): Promise<string[]> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load class names from ${url}: HTTP ${res.status}`);
  const names: unknown = await res.json();
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error(`${url} is not a JSON array of class names`);
  return names;
}
