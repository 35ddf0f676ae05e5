import type { ConversionProgress } from '../formats/convertToPackage';
import type { ConversionErrorCode } from '../storage/convertIntoStore';
import type { StoredModel } from '../storage/packageStore';
import type { ConversionOptions, ConversionRequest, ConversionResponse } from './conversionProtocol';
import { type Outcome, RpcClient } from './rpcClient';

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

function outcome(response: ConversionResponse): Outcome<ConversionProgress> {
  if (response.type === 'progress') return { progress: response.progress };
  if (response.type === 'done') return { result: response.model };
  return { error: new ConversionError(response.failure.code, response.failure.message) };
}

/** The page's side of the conversion worker. */
export class ConversionClient {
  private readonly rpc = new RpcClient<ConversionRequest, ConversionResponse, ConversionProgress>(
    new Worker(new URL('./conversion.worker.ts', import.meta.url), { type: 'module' }),
    outcome,
    (reason) => new ConversionError('failed', `the conversion worker failed: ${reason}`),
  );

  /**
   * Converts a checkpoint into browser storage and resolves with its listing entry. Rejects with a
   * ConversionError; aborting `signal` cancels it (code 'canceled', nothing stored).
   */
  convert(file: File, options: ConversionOptions = {}, onProgress?: (progress: ConversionProgress) => void, signal?: AbortSignal): Promise<StoredModel> {
    const { id, result } = this.rpc.call<StoredModel>((id) => ({ type: 'convert', id, file, options }), onProgress);
    const cancel = () => this.rpc.post({ type: 'cancel', id });
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    return result
      .then((model) => {
        // Asks the browser not to evict stored models under storage pressure; it may say no.
        void navigator.storage.persist().catch(() => false);
        return model;
      })
      .finally(() => signal?.removeEventListener('abort', cancel));
  }

  terminate(): void {
    this.rpc.terminate(new ConversionError('canceled', 'the conversion worker was stopped'));
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
