/**
 * numpy's legacy RandomState permutation, bit for bit.
 *
 * The first 3072 latent dimensions of the classifier are shuffled by PermuteRandom(seed=0), which
 * calls numpy.random.seed(0); numpy.random.permutation(n). That permutation is not stored in the
 * checkpoint, so it has to be regenerated exactly here.
 */

const STATE_LEN = 624;
const SHIFT_POINT = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/** The Mersenne Twister MT19937 generator, producing 32-bit outputs. */
export class MT19937 {
  private readonly state = new Uint32Array(STATE_LEN);
  private index = STATE_LEN;

  /** numpy's legacy seeding of an integer seed (Matsumoto–Nishimura init_genrand). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${seed}`);
    }
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < STATE_LEN; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // Math.imul keeps the 32-bit product exact where a float multiply would lose low bits.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= STATE_LEN) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < STATE_LEN; i++) {
      const y = (mt[i] & UPPER_MASK) | (mt[(i + 1) % STATE_LEN] & LOWER_MASK);
      mt[i] = mt[(i + SHIFT_POINT) % STATE_LEN] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }
}

/** Uniform integer in [0, max] by numpy's legacy masked rejection sampling (max < 2^32). */
function legacyBoundedDraw(rng: MT19937, max: number): number {
  if (max === 0) return 0;
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask >>>= 0;
  let value: number;
  do value = (rng.nextUint32() & mask) >>> 0;
  while (value > max);
  return value;
}

/** numpy.random.seed(seed); numpy.random.permutation(n) */
export function numpyLegacyPermutation(seed: number, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`n must be a non-negative int32, got ${n}`);
  const rng = new MT19937(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  // Fisher–Yates from the end, as numpy's legacy shuffle does.
  for (let i = n - 1; i >= 1; i--) {
    const j = legacyBoundedDraw(rng, i);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
