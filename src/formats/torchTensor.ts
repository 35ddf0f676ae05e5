/**
 * Tensors of a torch checkpoint as lazy records: shape and dtype are known at open time, the
 * bytes are read from the ByteSource only when read() is called.
 */
import type { ByteSource } from './byteSource';
import { CheckpointError } from './checkpointError';
import { describeValue } from './describeValue';
import { type ElementBudget, MAX_STRETCH, STRETCH_FLOOR } from './limits';
import type { PyObjectRef, PyValue } from './pickle';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array;

export interface TensorRecord {
  readonly kind: 'tensor';
  readonly dtype: TorchDtype;
  readonly shape: number[];
  /**
   * Reads only this tensor's bytes (respecting storage offset and strides; non-contiguous
   * tensors come back contiguous, C order). float16 and bfloat16 come back as raw Uint16 bits,
   * bool as 0/1 bytes.
   */
  read(): Promise<TensorData>;
  /** Values converted to float32 (float16/bfloat16/float64/ints converted). */
  readFloat32(): Promise<Float32Array>;
}

export const ITEM_SIZE: Record<TorchDtype, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** torch.<Name>Storage classes that checkpoints name in their persistent ids. */
export const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The value GLOBAL torch.FloatStorage (etc.) produces. */
export interface StorageType extends PyObjectRef {
  readonly kind: 'storage-type';
  readonly dtype: TorchDtype;
}

/** One storage: `numel` elements of `dtype` starting at a file offset that may need a read to find. */
export interface StorageRef extends PyObjectRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: TorchDtype;
  readonly numel: number;
  /** File offset of element 0. */
  locate(): Promise<number>;
}

export function isStorageType(value: PyValue): value is StorageType {
  return typeof value === 'object' && value !== null && (value as PyObjectRef).kind === 'storage-type';
}

export function isTensorRecord(value: unknown): value is TensorRecord {
  return typeof value === 'object' && value !== null && (value as PyObjectRef).kind === 'tensor';
}

function isStorageRef(value: PyValue): value is StorageRef {
  return typeof value === 'object' && value !== null && (value as PyObjectRef).kind === 'storage';
}

function intList(value: PyValue, what: string): number[] {
  if (!Array.isArray(value)) throw new CheckpointError('bad-pickle', `tensor ${what} ${describeValue(value)} is not a tuple`);
  if (value.length > 64) throw new CheckpointError('bad-pickle', `tensor ${what} has ${value.length} dimensions`);
  return value.map((v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new CheckpointError('bad-pickle', `tensor ${what} holds ${describeValue(v)}, not a non-negative integer`);
    }
    return v;
  });
}

/**
 * The bytes as a buffer of their own: kept when the source handed us a fresh buffer, copied when
 * it is a view into shared memory (memoryByteSource), which also fixes unaligned offsets.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  // new Uint8Array(view) copies, even for a Node Buffer (whose slice() would not).
  return new Uint8Array(bytes).buffer;
}

function typedView(dtype: TorchDtype, buffer: ArrayBuffer, numel: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, numel);
    case 'float64':
      return new Float64Array(buffer, 0, numel);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer, 0, numel);
    case 'int64':
      return new BigInt64Array(buffer, 0, numel);
    case 'int32':
      return new Int32Array(buffer, 0, numel);
    case 'int16':
      return new Int16Array(buffer, 0, numel);
    case 'int8':
      return new Int8Array(buffer, 0, numel);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, 0, numel);
  }
}

/**
 * Copies a strided view into C order. `span` starts at the view's first element; elements are
 * copied as 1, 2 or 4-byte words so bit patterns (NaN payloads included) survive untouched.
 */
function gather(span: ArrayBuffer, itemSize: number, shape: number[], stride: number[], numel: number): ArrayBuffer {
  const words = itemSize === 8 ? 2 : 1;
  const wordSize = itemSize === 8 ? 4 : itemSize;
  const make = (buffer: ArrayBuffer) => (wordSize === 4 ? new Uint32Array(buffer) : wordSize === 2 ? new Uint16Array(buffer) : new Uint8Array(buffer));
  const input = make(span);
  const out = new ArrayBuffer(numel * itemSize);
  const output = make(out);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let element = 0; // input element index of the current output element
  for (let o = 0; o < numel; o++) {
    for (let w = 0; w < words; w++) output[o * words + w] = input[element * words + w];
    // Advance the multi-index like an odometer, last dimension fastest.
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        element += stride[d];
        break;
      }
      element -= stride[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function toFloat32(dtype: TorchDtype, data: TensorData): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else if (dtype === 'float16') {
    for (let i = 0; i < data.length; i++) out[i] = halfToFloat(data[i] as number);
  } else if (dtype === 'bfloat16') {
    // bfloat16 is the top half of a float32.
    for (let i = 0; i < data.length; i++) {
      u32Bits[0] = (data[i] as number) << 16;
      out[i] = f32Bits[0];
    }
  } else {
    out.set(data as Exclude<TensorData, BigInt64Array>);
  }
  return out;
}

/**
 * torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...): checks that the
 * view fits its storage and returns a lazy record.
 */
export function rebuildTensor(source: ByteSource, args: PyValue[], budget: ElementBudget): TensorRecord {
  const [storage, offsetValue, sizeValue, strideValue] = args;
  if (!isStorageRef(storage)) throw new CheckpointError('bad-pickle', 'a tensor is built from something that is not a storage');
  if (typeof offsetValue !== 'number' || !Number.isSafeInteger(offsetValue) || offsetValue < 0) {
    throw new CheckpointError('bad-pickle', `tensor storage offset ${describeValue(offsetValue)} is not a non-negative integer`);
  }
  const shape = intList(sizeValue, 'size');
  const stride = intList(strideValue, 'stride');
  if (stride.length !== shape.length) {
    throw new CheckpointError('bad-pickle', `tensor size [${shape}] and stride [${stride}] differ in rank`);
  }
  const itemSize = ITEM_SIZE[storage.dtype];
  const exceeds = (needed: string) =>
    new CheckpointError(
      'tensor-exceeds-storage',
      `a tensor of shape [${shape}] (stride [${stride}], storage offset ${offsetValue}) needs ${needed} ` +
        `${storage.dtype} elements but its storage '${storage.key}' holds ${storage.numel}`,
    );
  let numel = 1;
  let lastElement = offsetValue;
  for (let d = 0; d < shape.length; d++) {
    numel *= shape[d];
    if (shape[d] > 0) lastElement += (shape[d] - 1) * stride[d];
  }
  if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(lastElement)) throw exceeds('more than 2^53');
  if (numel > 0 && lastElement >= storage.numel) throw exceeds(String(lastElement + 1));
  // Tensors past 2 GiB cannot be one typed array in every browser; refuse clearly rather than crash later.
  if (numel * itemSize > 2 ** 31) {
    throw new CheckpointError('unsupported', `a tensor of shape [${shape}] is larger than 2 GiB`);
  }
  // Stride 0 repeats stored elements: a few bytes could otherwise become gigabytes of weights.
  const spanElements = numel === 0 ? 0 : lastElement - offsetValue + 1;
  if (numel > STRETCH_FLOOR && numel > MAX_STRETCH * spanElements) {
    throw new CheckpointError(
      'too-large',
      `a tensor of shape [${shape}] (stride [${stride}]) makes ${numel} elements from ${spanElements} stored; GC Lens ` +
        `lets stride 0 repeat stored elements at most ${MAX_STRETCH} times (MAX_STRETCH) once past ${STRETCH_FLOOR} elements`,
    );
  }
  const described = `a tensor of shape [${shape}]`;
  budget.declare(numel, described);
  const dtype = storage.dtype;
  const contiguous = isContiguous(shape, stride);

  const read = async (): Promise<TensorData> => {
    if (numel === 0) return typedView(dtype, new ArrayBuffer(0), 0);
    budget.produce(numel, described);
    const base = await storage.locate();
    const bytes = await source.read(base + offsetValue * itemSize, (contiguous ? numel : spanElements) * itemSize);
    const span = ownBuffer(bytes);
    const buffer = contiguous ? span : gather(span, itemSize, shape, stride, numel);
    return typedView(dtype, buffer, numel);
  };
  return {
    kind: 'tensor',
    dtype,
    shape,
    read,
    readFloat32: async () => toFloat32(dtype, await read()),
  };
}
