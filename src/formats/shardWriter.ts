import { toFloat16Bits } from './float16';
import type { ModelSpec, WeightSpec } from './modelSpec';
import { type StorageDtype, type WeightSink, weightSpecFor } from './weightSink';

export const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * A WeightSink that encodes each weight as it arrives and writes 4 MiB shards, so converting a
 * large checkpoint holds one shard, not the whole model. One manifest group: the shards concatenate.
 */
export class ShardWriter implements WeightSink {
  private readonly specs: WeightSpec[] = [];
  private readonly paths: string[] = [];
  private buffer = new Uint8Array(SHARD_BYTES);
  private used = 0;
  bytesWritten = 0;

  constructor(
    private readonly storage: StorageDtype,
    private readonly writeFile: (name: string, bytes: Uint8Array) => Promise<void>,
  ) {}

  async add(name: string, data: Float32Array | Int32Array, shape: number[]): Promise<void> {
    const spec = weightSpecFor(name, data, shape, this.storage);
    this.specs.push(spec);
    let bytes = encode(data, spec.quantization?.dtype === 'float16');
    while (bytes.length > 0) {
      const n = Math.min(bytes.length, SHARD_BYTES - this.used);
      this.buffer.set(bytes.subarray(0, n), this.used);
      this.used += n;
      bytes = bytes.subarray(n);
      if (this.used === SHARD_BYTES) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const name = `weights-${String(this.paths.length).padStart(3, '0')}.bin`;
    await this.writeFile(name, this.buffer.slice(0, this.used));
    this.paths.push(name);
    this.bytesWritten += this.used;
    this.used = 0;
  }

  /** Writes the last shard and returns the manifest. */
  async finish(): Promise<ModelSpec['weightsManifest']> {
    await this.flush();
    return [{ paths: this.paths, weights: this.specs }];
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The weight's bytes as stored: little-endian float32, int32 or float16. */
function encode(data: Float32Array | Int32Array, half: boolean): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('model packages can only be written on a little-endian machine');
  if (!half) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bits = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) bits[i] = toFloat16Bits(data[i]);
  return new Uint8Array(bits.buffer);
}
