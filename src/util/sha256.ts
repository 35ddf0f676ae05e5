/**
 * Incremental SHA-256 (FIPS 180-4), because WebCrypto's digest() takes its input whole and a
 * 540 MB checkpoint should not be held in memory to be hashed. update() any number of times, then hex().
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  private readonly h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private readonly w = new Uint32Array(64);
  /** A partial block carried between updates. */
  private readonly block = new Uint8Array(64);
  private buffered = 0;
  private length = 0;
  private finished = false;

  update(bytes: Uint8Array): this {
    if (this.finished) throw new Error('this SHA-256 is already finished');
    this.length += bytes.length;
    let i = 0;
    if (this.buffered) {
      const take = Math.min(64 - this.buffered, bytes.length);
      this.block.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 64) return this;
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.compress(bytes, i);
    this.block.set(bytes.subarray(i), 0);
    this.buffered = bytes.length - i;
    return this;
  }

  /** The digest as 64 lowercase hex digits; the hash takes no more input after this. */
  hex(): string {
    if (!this.finished) {
      const bits = this.length * 8;
      const tail = new Uint8Array(this.buffered < 56 ? 64 : 128);
      tail.set(this.block.subarray(0, this.buffered));
      tail[this.buffered] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(tail.length - 4, bits >>> 0);
      for (let i = 0; i < tail.length; i += 64) this.compress(tail, i);
      this.finished = true;
    }
    return Array.from(this.h, (x) => x.toString(16).padStart(8, '0')).join('');
  }

  private compress(b: Uint8Array, at: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++, at += 4) w[t] = (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15];
      const c = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((c >>> 17) | (c << 15)) ^ ((c >>> 19) | (c << 13)) ^ (c >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const h = this.h;
    let a = h[0];
    let bb = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
}

/** SHA-256 of a Blob read in chunks, never whole; onBytes reports progress, signal cancels. */
export async function sha256OfBlob(blob: Blob, onBytes?: (done: number) => void, signal?: AbortSignal, chunkBytes = 8 << 20): Promise<string> {
  const hash = new Sha256();
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    if (signal?.aborted) throw new DOMException('the conversion was canceled', 'AbortError');
    hash.update(new Uint8Array(await blob.slice(offset, offset + chunkBytes).arrayBuffer()));
    onBytes?.(Math.min(blob.size, offset + chunkBytes));
  }
  return hash.hex();
}
