/** Eigenpairs of a symmetric matrix, largest eigenvalue first; vectors[j·n + i] is entry i of vector j. */
export interface Eigenpairs {
  values: Float64Array;
  vectors: Float64Array;
}

/** All eigenpairs of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations. */
export function jacobiEigen(matrix: Float64Array, n: number): Eigenpairs {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const scale = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * scale) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation angle φ with tan 2φ = 2 a_pq / (a_qq − a_pp), the smaller root for stability.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, n, p, q, c, s, true);
        rotate(a, n, p, q, c, s, false);
        rotate(v, n, p, q, c, s, true);
      }
  }
  const values = Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
  const vectors = new Float64Array(n * n);
  order.forEach((col, j) => {
    for (let i = 0; i < n; i++) vectors[j * n + i] = v[i * n + col];
  });
  return { values: Float64Array.from(order, (i) => values[i]), vectors };
}

/** Columns (or rows) p, q of m ← [c s; −s c] applied on the right (or its transpose on the left). */
function rotate(m: Float64Array, n: number, p: number, q: number, c: number, s: number, columns: boolean): void {
  for (let k = 0; k < n; k++) {
    const ip = columns ? k * n + p : p * n + k;
    const iq = columns ? k * n + q : q * n + k;
    const mp = m[ip];
    const mq = m[iq];
    m[ip] = c * mp - s * mq;
    m[iq] = s * mp + c * mq;
  }
}

/**
 * The k largest eigenpairs of a symmetric n×n matrix. Small matrices are solved whole; large ones
 * (1000 classes) by subspace iteration on 2k + 8 vectors with a Rayleigh–Ritz step, which needs
 * O(n²k) per iteration instead of Jacobi's O(n³) per sweep.
 */
export function topEigenpairs(matrix: Float64Array, n: number, k: number, maxIterations = 500): Eigenpairs {
  const steps = subspaceIteration(matrix, n, k, maxIterations);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * topEigenpairs that awaits `pause` between slices of about 8·n² multiply-adds (tens of ms at
 * 1000 classes), so a worker computing it in the background still answers other requests.
 */
export async function topEigenpairsYielding(matrix: Float64Array, n: number, k: number, pause: () => Promise<void>, maxIterations = 500): Promise<Eigenpairs> {
  const steps = subspaceIteration(matrix, n, k, maxIterations);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await pause();
  }
}

/** Subspace iteration, yielding (no value) between slices of work. */
function* subspaceIteration(matrix: Float64Array, n: number, k: number, maxIterations: number): Generator<void, Eigenpairs, void> {
  const p = Math.min(n, 2 * k + 8);
  if (p === n) return truncate(jacobiEigen(matrix, n), n, k);
  let basis = orthonormalRows(seededRows(p, n), p, n);
  let previous: Float64Array | null = null;
  for (let it = 0; it < maxIterations; it++) {
    const image = new Float64Array(p * n);
    for (let r = 0; r < p; r += ROWS_PER_SLICE) {
      multiplyRows(matrix, basis, image, r, Math.min(p, r + ROWS_PER_SLICE), n);
      yield;
    }
    const ritz = rayleighRitz(basis, image, p, n);
    const top = ritz.values.subarray(0, k);
    if (it === maxIterations - 1 || (previous && top.every((r, i) => Math.abs(r - previous![i]) <= 1e-12 * Math.abs(top[0])))) return truncate(ritz, n, k);
    previous = Float64Array.from(top);
    yield;
    basis = orthonormalRows(image, p, n);
  }
  throw new RangeError('maxIterations must be at least 1');
}

const ROWS_PER_SLICE = 8;

function truncate(pairs: Eigenpairs, n: number, k: number): Eigenpairs {
  return { values: pairs.values.slice(0, k), vectors: pairs.vectors.slice(0, k * n) };
}

/** Eigenpairs of the matrix restricted to the span of the p orthonormal basis rows (image = rows × matrix), lifted back to n dims. */
function rayleighRitz(basis: Float64Array, image: Float64Array, p: number, n: number): Eigenpairs {
  const small = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) small[i * p + j] = dot(basis, i * n, image, j * n, n);
  const { values, vectors } = jacobiEigen(small, p);
  const lifted = new Float64Array(p * n);
  for (let j = 0; j < p; j++)
    for (let i = 0; i < p; i++) {
      const w = vectors[j * p + i];
      for (let d = 0; d < n; d++) lifted[j * n + d] += w * basis[i * n + d];
    }
  return { values, vectors: lifted };
}

/** Rows from..to of `rows` multiplied by the symmetric n×n matrix, into the same rows of out. */
function multiplyRows(matrix: Float64Array, rows: Float64Array, out: Float64Array, from: number, to: number, n: number): void {
  for (let r = from; r < to; r++) for (let i = 0; i < n; i++) out[r * n + i] = dot(matrix, i * n, rows, r * n, n);
}

/** Modified Gram–Schmidt on the rows; a row that vanishes stays zero. */
function orthonormalRows(rows: Float64Array, p: number, n: number): Float64Array {
  const q = Float64Array.from(rows);
  for (let r = 0; r < p; r++) {
    for (let s = 0; s < r; s++) {
      const d = dot(q, r * n, q, s * n, n);
      for (let i = 0; i < n; i++) q[r * n + i] -= d * q[s * n + i];
    }
    const norm = Math.sqrt(dot(q, r * n, q, r * n, n));
    for (let i = 0; i < n; i++) q[r * n + i] = norm > 0 ? q[r * n + i] / norm : 0;
  }
  return q;
}

function dot(a: Float64Array, aFrom: number, b: Float64Array, bFrom: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aFrom + i] * b[bFrom + i];
  return s;
}

/** A fixed pseudo-random start (xorshift32), so results do not change between runs. */
function seededRows(p: number, n: number): Float64Array {
  let state = 0x9e3779b9;
  return Float64Array.from({ length: p * n }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  });
}
