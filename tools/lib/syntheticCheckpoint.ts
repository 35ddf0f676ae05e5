import type { PyValue, TensorRecord } from '../../src/formats/torchCheckpoint';

/** The layout files in tests/fixtures/reference-gc: every state-dict key with shape and dtype. */
export interface CheckpointLayout {
  input: number[];
  n_classes: number;
  n_loss_dims_1d: number;
  mu_low_rank_k: number;
  inn_state_dict: { key: string; shape: number[]; dtype: string }[];
}

/** mulberry32 then Box–Muller: seeded normal samples. */
export function normalSampler(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function hashKey(key: string, seed: number): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Values that keep a deep random flow finite: near-identity couplings, real permutations, the real DCT. */
function syntheticValues(key: string, shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const normal = normalSampler(hashKey(key, seed));
  const out = new Float32Array(n);
  const leaf = key.split('.').pop()!;
  const fill = (f: (i: number) => number) => {
    for (let i = 0; i < out.length; i++) out[i] = f(i);
  };
  if (leaf === 'w' || leaf === 'w_inv') {
    const c = shape[0];
    const perm = Array.from({ length: c }, (_, i) => i);
    const shuffle = normalSampler(hashKey(key.replace(/w_inv$/, 'w'), seed));
    for (let i = c - 1; i > 0; i--) {
      const j = Math.floor(((((shuffle() * 1e6) % 1) + 1) % 1) * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    for (const [i, j] of perm.entries()) out[leaf === 'w' ? i * c + j : j * c + i] = 1;
  } else if (leaf === 'weight' && shape.length === 2 && /module_list\.\d+\.weight$/.test(key)) {
    const m = shape[0];
    fill((i) => 2 * Math.cos((Math.PI * Math.floor(i / m) * (2 * (i % m) + 1)) / (2 * m)));
  } else if (leaf === 'act_norm') fill(() => 7 + 0.1 * normal());
  else if (leaf === 'running_var') fill(() => 1 + 0.1 * Math.abs(normal()));
  else if (leaf === 'weight' && shape.length === 1) fill(() => 1 + 0.1 * normal());
  else if (shape.length === 4) {
    const fanIn = shape[1] * shape[2] * shape[3];
    fill(() => normal() * Math.sqrt(2 / fanIn) * 0.5);
  } else fill(() => 0.1 * normal());
  return out;
}

function record(key: string, shape: number[], dtype: string, seed: number): TensorRecord {
  const values = async () => syntheticValues(key, shape, seed);
  return {
    kind: 'tensor',
    dtype: dtype === 'int64' ? 'int64' : 'float32',
    shape,
    read: async () => (dtype === 'int64' ? new BigInt64Array(1) : values()),
    readFloat32: values,
  };
}

/**
 * A checkpoint tree in the released format ({inn, mu, mu_t, mu_m}) with seeded synthetic weights,
 * generated lazily per tensor so a full-size model costs no more memory than its conversion.
 */
export function syntheticCheckpoint(layout: CheckpointLayout, seed = 1): PyValue {
  const inn = new Map<PyValue, PyValue>();
  for (const { key, shape, dtype } of layout.inn_state_dict) if (!key.startsWith('tmp_var_')) inn.set(key, record(key, shape, dtype, seed));
  const k = layout.n_classes;
  const r = layout.mu_low_rank_k;
  const total = layout.input.reduce((a, b) => a * b, 1);
  return new Map<PyValue, PyValue>([
    ['inn', inn],
    ['mu', record('mu', [1, k, layout.n_loss_dims_1d], 'float32', seed)],
    ['mu_t', record('mu_t', [k, r], 'float32', seed)],
    ['mu_m', record('mu_m', [r, total - layout.n_loss_dims_1d], 'float32', seed)],
  ]);
}
