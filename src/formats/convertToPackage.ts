import type { ByteSource } from './byteSource';
import { type ConvertOptions, convertCheckpoint } from './convertCheckpoint';
import type { ModelSpec } from './modelSpec';
import { ShardWriter } from './shardWriter';
import { readTorchCheckpoint } from './torchCheckpoint';
import { validateModelSpec } from './validateModel';
import type { StorageDtype } from './weightSink';

export interface ConversionProgress {
  /** hashing: the SHA-256 of the whole file, read once before converting (links name checkpoints by it). */
  stage: 'hashing' | 'reading' | 'converting' | 'writing';
  /** Bytes of the checkpoint read so far, and its size. */
  bytesRead: number;
  bytesTotal: number;
  nodesDone?: number;
  nodesTotal?: number;
}

/**
 * Checkpoint file → model package (model.json + shards), streaming: the checkpoint is read
 * piecewise through the ByteSource and weights leave through 4 MiB shards as they are made.
 * The command line and the browser both use this.
 */
export async function convertToPackage(
  source: ByteSource,
  writeFile: (name: string, bytes: Uint8Array) => Promise<void>,
  options: ConvertOptions & { storage: StorageDtype; onProgress?: (p: ConversionProgress) => void; signal?: AbortSignal },
): Promise<ModelSpec> {
  const checkAborted = () => {
    if (options.signal?.aborted) throw new DOMException('the conversion was canceled', 'AbortError');
  };
  let bytesRead = 0;
  let stage: ConversionProgress['stage'] = 'reading';
  const report = (extra: Partial<ConversionProgress> = {}) => options.onProgress?.({ stage, bytesRead, bytesTotal: source.size, ...extra });
  const counted: ByteSource = {
    name: source.name,
    size: source.size,
    async read(offset, length) {
      checkAborted();
      const bytes = await source.read(offset, length);
      bytesRead += bytes.length;
      report();
      return bytes;
    },
  };
  const root = await readTorchCheckpoint(counted);
  stage = 'converting';
  const sink = new ShardWriter(options.storage, writeFile);
  const partial = await convertCheckpoint(root, sink, {
    ...options,
    onNode: (nodesDone, nodesTotal, name) => {
      checkAborted();
      report({ nodesDone, nodesTotal });
      options.onNode?.(nodesDone, nodesTotal, name);
    },
  });
  stage = 'writing';
  const spec = validateModelSpec({ ...partial, weightsManifest: await sink.finish() });
  await writeFile('model.json', new TextEncoder().encode(JSON.stringify(spec, null, 1)));
  report();
  return spec;
}
