/** Deterministic randomness: input I of a run is the same for the same seed. */
/** mulberry32 seeded from (seed, index): every input has its own stream. */
export function rngFor(seed: number, index: number): Rng {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
export interface Rng {
  next(): number;
  /** 0 ≤ k < n */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}
