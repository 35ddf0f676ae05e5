import type { Rng } from './random';

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 1e6, 1e9];

/** One mutation of bytes within [lo, hi) (a region such as the pickle of a zip checkpoint); returns the new bytes and what was done. */
export function mutateBytes(input: Uint8Array, rng: Rng, lo = 0, hi = input.length): { bytes: Uint8Array; what: string } {
  const b = new Uint8Array(input);
  if (b.length === 0) return { bytes: b, what: 'nothing (empty input)' };
  hi = Math.min(hi, b.length);
  lo = Math.min(lo, hi - 1);
  const span = Math.max(1, hi - lo);
  const at = () => lo + rng.int(span);
  const op = rng.int(9);
  if (op === 0) {
    const n = 1 + rng.int(8);
    const where: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = at();
      b[p] ^= 1 << rng.int(8);
      where.push(p);
    }
    return { bytes: b, what: `bit flips at ${where.join(',')}` };
  }
  if (op === 1) {
    const p = at();
    const v = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
    b[p] = v;
    return { bytes: b, what: `byte ${p} := 0x${v.toString(16)}` };
  }
  if (op === 2 && b.length >= 4) {
    const p = Math.min(at(), b.length - 4);
    const v = rng.pick(INTERESTING_U32) >>> 0;
    const view = new DataView(b.buffer);
    const le = rng.next() < 0.5;
    view.setUint32(p, v, le);
    return { bytes: b, what: `u32${le ? 'le' : 'be'} at ${p} := ${v}` };
  }
  if (op === 3 && b.length >= 4) {
    // Size inflation: a 32-bit field (either byte order) times 1e6, saturated.
    const p = Math.min(at(), b.length - 4);
    const view = new DataView(b.buffer);
    const le = rng.next() < 0.5;
    const old = view.getUint32(p, le);
    const v = Math.min(0xffffffff, Math.max(1, old) * 1e6);
    view.setUint32(p, v, le);
    return { bytes: b, what: `u32${le ? 'le' : 'be'} at ${p}: ${old} × 1e6 → ${v}` };
  }
  if (op === 4) {
    const n = rng.int(input.length + 1);
    return { bytes: b.subarray(0, n), what: `truncated to ${n} bytes` };
  }
  if (op === 5) {
    // Duplicate a chunk in place (after itself).
    const p = at();
    const n = 1 + rng.int(Math.min(4096, b.length - p));
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, p + n));
    out.set(b.subarray(p, p + n), p + n);
    out.set(b.subarray(p + n), p + 2 * n);
    return { bytes: out, what: `duplicated ${n} bytes at ${p}` };
  }
  if (op === 6) {
    const p = at();
    const n = 1 + rng.int(Math.min(256, b.length - p));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, p));
    out.set(b.subarray(p + n), p);
    return { bytes: out, what: `deleted ${n} bytes at ${p}` };
  }
  if (op === 7) {
    // Swap two chunks of equal length (a field swap at byte level).
    const n = 1 + rng.int(16);
    const p = Math.min(at(), b.length - n);
    const q = Math.min(at(), b.length - n);
    if (p < 0 || q < 0) return { bytes: b, what: 'nothing (too short to swap)' };
    const tmp = b.slice(p, p + n);
    b.copyWithin(p, q, q + n);
    b.set(tmp, q);
    return { bytes: b, what: `swapped ${n} bytes at ${p} and ${q}` };
  }
  // Copy bytes from elsewhere over a span.
  const n = 1 + rng.int(64);
  const p = Math.min(at(), Math.max(0, b.length - n));
  const q = rng.int(Math.max(1, b.length - n));
  b.copyWithin(p, q, q + n);
  return { bytes: b, what: `copied ${n} bytes from ${q} over ${p}` };
}

// ---- pickle-aware mutations ---------------------------------------------------------------------

/** Positions of integer opcodes (BININT J, BININT1 K, BININT2 M, LONG1 0x8a) in a pickle region, by a loose scan. */
function intOpcodes(b: Uint8Array, lo: number, hi: number): { at: number; op: number }[] {
  const out: { at: number; op: number }[] = [];
  for (let i = lo; i < hi - 1; i++) if (b[i] === 0x4a || b[i] === 0x4b || b[i] === 0x4d) out.push({ at: i, op: b[i] });
  return out;
}

/** Rewrites an integer in a pickle (a shape, stride, offset or storage size) to a hostile value. */
function mutatePickleInt(input: Uint8Array, rng: Rng, lo: number, hi: number): { bytes: Uint8Array; what: string } | null {
  const ops = intOpcodes(input, lo, hi);
  if (!ops.length) return null;
  const { at, op } = rng.pick(ops);
  const b = new Uint8Array(input);
  const view = new DataView(b.buffer);
  const old = op === 0x4a ? view.getInt32(at + 1, true) : op === 0x4b ? b[at + 1] : view.getUint16(at + 1, true);
  const value = rng.pick([0, -1, old * 1e6, 2 ** 31 - 1, -(2 ** 31), old + 1, old * 2, 65536]);
  // Rewritten as BININT (5 bytes) in place of the old opcode and its argument.
  const width = op === 0x4a ? 5 : op === 0x4b ? 2 : 3;
  const v = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(value)));
  const repl = new Uint8Array(5);
  repl[0] = 0x4a;
  new DataView(repl.buffer).setInt32(1, v, true);
  const out = new Uint8Array(b.length - width + 5);
  out.set(b.subarray(0, at));
  out.set(repl, at);
  out.set(b.subarray(at + width), at + 5);
  return { bytes: out, what: `pickle int at ${at}: ${old} → ${v}${width !== 5 ? ' (resized opcode, zip offsets now stale)' : ''}` };
}

/** [start, end) of the data.pkl entry's data in a stored zip, found from its local header; null for a legacy file. */
function zipPickleRegion(b: Uint8Array): [number, number] | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 30 < b.length; ) {
    if (view.getUint32(i, true) !== 0x04034b50) return null;
    const size = view.getUint32(i + 18, true);
    const nameLength = view.getUint16(i + 26, true);
    const extraLength = view.getUint16(i + 28, true);
    const name = new TextDecoder().decode(b.subarray(i + 30, i + 30 + nameLength));
    const start = i + 30 + nameLength + extraLength;
    // zip64 entries keep their size in an extra field (0xffffffff here): the pickle then runs to the file's end at most.
    if (name.endsWith('/data.pkl')) return [start, Math.min(b.length, start + size)];
    i = start + size;
  }
  return null;
}

/** The main pickle of a legacy file lies past the magic number, protocol and system-info pickles: roughly its first 40%. */
function pickleRegion(b: Uint8Array): [number, number] {
  return zipPickleRegion(b) ?? [0, Math.min(b.length, 4096)];
}

export function mutateCheckpoint(input: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const [lo, hi] = pickleRegion(input);
  const r = rng.next();
  if (r < 0.35) {
    const m = mutatePickleInt(input, rng, lo, hi);
    if (m) return m;
  }
  if (r < 0.7) {
    const m = mutateBytes(input, rng, lo, hi);
    return { bytes: m.bytes, what: `in the pickle: ${m.what}` };
  }
  return mutateBytes(input, rng);
}

// ---- JSON mutations (model.json) ----------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function jsonPaths(value: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (path.length) out.push(path);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) jsonPaths(v, [...path, i], out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) jsonPaths(v, [...path, k], out);
  return out;
}

function getAt(root: Json, path: (string | number)[]): Json {
  return path.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], root);
}

export function mutateJson(root: Json, rng: Rng): { value: Json; what: string } {
  const value = structuredClone(root);
  const paths = jsonPaths(value);
  const path = rng.pick(paths);
  const parent = getAt(value, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1];
  const old = parent[key];
  const name = path.join('.');
  const op = rng.int(8);
  if (op === 0 && typeof old === 'number') {
    parent[key] = old * 1e6;
    return { value, what: `${name}: ${old} × 1e6` };
  }
  if (op === 1) {
    const v = rng.pick<Json>([0, -1, 1, 0.5, 1e300, -1e300, null, '', 'x', true, [], {}, 2 ** 31, 2 ** 53 + 2]);
    parent[key] = v;
    return { value, what: `${name} := ${JSON.stringify(v)}` };
  }
  if (op === 2) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
    return { value, what: `deleted ${name}` };
  }
  if (op === 3 && Array.isArray(old) && old.length) {
    const n = rng.pick([2, 1000, 100_000]);
    parent[key] = Array.from({ length: n }, (_, i) => old[i % old.length]);
    return { value, what: `${name}: array of ${old.length} repeated to ${n}` };
  }
  if (op === 4 && Array.isArray(parent)) {
    const i = Number(key);
    parent.splice(i, 0, structuredClone(parent[i]));
    return { value, what: `duplicated ${name}` };
  }
  if (op === 5) {
    // Field swap: the value of another path of the same depth.
    const same = paths.filter((p) => p.length === path.length && p.join('.') !== name);
    if (same.length) {
      const other = rng.pick(same);
      const otherParent = getAt(value, other.slice(0, -1)) as Record<string | number, Json>;
      const otherKey = other[other.length - 1];
      [parent[key], otherParent[otherKey]] = [otherParent[otherKey], parent[key]];
      return { value, what: `swapped ${name} and ${other.join('.')}` };
    }
  }
  if (op === 6 && typeof old === 'string') {
    parent[key] = rng.pick([old.repeat(1000), `${old}\u0000`, old.slice(0, -1), '../x', '__proto__']);
    return { value, what: `${name}: string altered` };
  }
  if (typeof old === 'number') {
    const v = rng.pick([-old, old + 1, old - 1, Math.floor(old / 2), old * 3]);
    parent[key] = v;
    return { value, what: `${name}: ${old} → ${v}` };
  }
  parent[key] = rng.pick<Json>([0, 'x', null]);
  return { value, what: `${name} := ${JSON.stringify(parent[key])}` };
}
