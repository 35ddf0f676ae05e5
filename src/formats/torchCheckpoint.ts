/**
 * Reads PyTorch `torch.save` checkpoints, zip (>= 1.6) or legacy, without executing any pickle
 * code and without loading tensor data: tensors come back as lazy TensorRecords.
 */
import { type ByteSource, TruncatedFileError } from './byteSource';
import { CheckpointError } from './checkpointError';
import { ElementBudget } from './limits';
import type { PyKey, PyValue } from './pickle';
import { readLegacyCheckpoint } from './torchLegacy';
import { readZipCheckpoint } from './torchZip';

export { CheckpointError, type CheckpointErrorCode } from './checkpointError';
export type { PyKey, PyObjectRef, PyValue } from './pickle';
export { isTensorRecord, type TensorData, type TensorRecord, type TorchDtype } from './torchTensor';

/** Typed arrays are read in the machine's byte order; torch data is little-endian. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const KNOWN_SIGNATURES: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip file'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file (Keras?)'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty zip archive'],
  [[0x3c], 'HTML or XML (an error page instead of the download?)'],
];

/** The head of the magic number as a protocol-0/1 text LONG. */
const LEGACY_MAGIC_TEXT = 'L119547037146038';

function startsWithText(head: Uint8Array, text: string): boolean {
  return head.length >= text.length && [...text].every((ch, i) => head[i] === ch.charCodeAt(0));
}

function describeStart(head: Uint8Array): string {
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const known = KNOWN_SIGNATURES.find(([signature]) => signature.every((byte, i) => head[i] === byte));
  if (known) return `it starts with ${hex}, ${known[1]}`;
  const printable = head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  if (printable) return `it starts with the text ${JSON.stringify(new TextDecoder().decode(head.subarray(0, 24)))}`;
  return `it starts with the bytes ${hex}`;
}

/** Counts bytes read (for onProgress) and reports reads past the end as truncation. */
function trackedSource(src: ByteSource, onProgress?: (bytesRead: number, total: number) => void): ByteSource {
  let bytesRead = 0;
  return {
    name: src.name,
    size: src.size,
    async read(offset, length) {
      let bytes: Uint8Array;
      try {
        bytes = await src.read(offset, length);
      } catch (error) {
        if (error instanceof TruncatedFileError) throw new CheckpointError('truncated', error.message);
        throw error;
      }
      bytesRead += bytes.length;
      onProgress?.(bytesRead, src.size);
      return bytes;
    },
  };
}

/**
 * Opens a checkpoint: reads the pickle(s) and the archive directory, never tensor data.
 * The returned TensorRecords read from `src` later, so keep it open while using them.
 * `onProgress` is called after every read, during opening and during later tensor reads,
 * with the bytes read so far and the file size.
 */
export async function readTorchCheckpoint(src: ByteSource, onProgress?: (bytesRead: number, total: number) => void): Promise<PyValue> {
  if (!LITTLE_ENDIAN_HOST) throw new CheckpointError('unsupported', 'this reader needs a little-endian machine');
  const source = trackedSource(src, onProgress);
  if (source.size === 0) throw new CheckpointError('not-a-checkpoint', `${src.name} is not a PyTorch checkpoint: the file is empty`);
  const head = await source.read(0, Math.min(16, source.size));
  const budget = new ElementBudget(source.size, src.name);
  const checked = (root: PyValue): PyValue => {
    budget.checkDeclared();
    return root;
  };
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return checked(await readZipCheckpoint(source, budget));
  }
  // Legacy files start with a pickle of the magic number: protocol 2+ (0x80), or with pickle_protocol=1 the text LONG
  // "L119547037146038801333356L\n" (which torch.load reads too).
  if (head[0] === 0x80 || startsWithText(head, LEGACY_MAGIC_TEXT)) return checked(await readLegacyCheckpoint(source, budget));
  throw new CheckpointError(
    'not-a-checkpoint',
    `${src.name} is not a PyTorch checkpoint: ${describeStart(head)} (a torch.save file starts with "PK" or a pickle)`,
  );
}

/** Looks up `key` in a dict value, for walking checkpoints: `dictGet(root, 'inn')`. */
export function dictGet(value: PyValue, key: PyKey): PyValue | undefined {
  return value instanceof Map ? value.get(key) : undefined;
}
