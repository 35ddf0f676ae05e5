/**
 * npm run fuzz -- [--seed N] [--count N | --seconds S] [--kind checkpoint|package|image|link|all] [--index I]
 *
 * Mutates valid inputs (checkpoints, a converted model package, small PNG/JPEG images, permalink
 * fragments) and checks that each one ends in success or a known, worded error within a time and
 * memory bound. The inputs run in a child process under --max-old-space-size=1536; this process
 * watches it, so that a hang or a crash is caught too. Anything else is a finding: it is printed
 * with the command that reproduces it, saved under fuzz-findings/, and the run exits with status 1.
 * Everything is deterministic from the seed: input I of a run is the same for the same --seed and --kind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
const FINDINGS = join(ROOT, 'fuzz-findings');
export const KINDS = ['checkpoint', 'package', 'image', 'link'] as const;
export type Kind = (typeof KINDS)[number];

// ---- deterministic randomness -----------------------------------------------------------------

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

// ---- byte mutations ---------------------------------------------------------------------------

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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

// ---- images -----------------------------------------------------------------------------------

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A small RGBA or RGB PNG with a gradient, made here so that the fuzzer needs no files. */
export function makePng(width: number, height: number, rgba = true): Uint8Array {
  const channels = rgba ? 4 : 3;
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) raw[y * (1 + width * channels) + 1 + x * channels + c] = (x * 7 + y * 13 + c * 50) & 255;
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, rgba ? 6 : 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

/** Header-aware image mutations: the declared size, inflated or swapped; otherwise generic bytes. */
export function mutateImage(input: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const b = new Uint8Array(input);
  const view = new DataView(b.buffer);
  if (rng.next() < 0.25) {
    if (b[0] === 0x89 && b.length >= 24) {
      const field = rng.pick([16, 20]);
      const v = rng.pick([0, 1, 100_000, 30_000, 0xffffffff, view.getUint32(field) * 1000]) >>> 0;
      view.setUint32(field, v);
      return { bytes: b, what: `PNG IHDR ${field === 16 ? 'width' : 'height'} := ${v}` };
    }
    for (let i = 2; i + 9 < b.length; i++)
      if (b[i] === 0xff && b[i + 1] === 0xc0) {
        const field = rng.pick([i + 5, i + 7]);
        const v = rng.pick([0, 1, 0xffff, 30_000, 8]);
        view.setUint16(field, v);
        return { bytes: b, what: `JPEG SOF0 ${field === i + 5 ? 'height' : 'width'} := ${v}` };
      }
  }
  return mutateBytes(input, rng);
}

// ---- links ------------------------------------------------------------------------------------

export function mutateLink(input: string, rng: Rng): { text: string; what: string } {
  const op = rng.int(7);
  if (op === 0) {
    // Number × 1e6, or a huge run of digits.
    const numbers = [...input.matchAll(/\d+/g)];
    if (numbers.length) {
      const m = rng.pick(numbers);
      const v = rng.next() < 0.5 ? String(Number(m[0]) * 1e6) : '9'.repeat(1 + rng.int(400));
      return { text: input.slice(0, m.index) + v + input.slice(m.index + m[0].length), what: `number at ${m.index}: ${m[0]} → ${v.slice(0, 20)}` };
    }
  }
  if (op === 1) {
    // Field swap: two settings' values exchanged, or two settings' order.
    const parts = input.replace(/^#/, '').split('&');
    if (parts.length > 1) {
      const i = rng.int(parts.length);
      const j = rng.int(parts.length);
      const [ki, vi] = [parts[i].split('=')[0], parts[i].split('=').slice(1).join('=')];
      const [kj, vj] = [parts[j].split('=')[0], parts[j].split('=').slice(1).join('=')];
      if (rng.next() < 0.5) [parts[i], parts[j]] = [`${ki}=${vj}`, `${kj}=${vi}`];
      else [parts[i], parts[j]] = [parts[j], parts[i]];
      return { text: parts.join('&'), what: `swapped settings ${ki} and ${kj}` };
    }
  }
  if (op === 2) {
    // Long lists and repeats.
    const piece = rng.pick(['&dir=a:1', ',b:2', '&panels=map', ',map', '&v=1', '%', '&&', '=', ',', `&x${rng.int(99)}=1`]);
    const n = rng.pick([2, 50, 5000]);
    const p = rng.int(input.length + 1);
    return { text: input.slice(0, p) + piece.repeat(n) + input.slice(p), what: `inserted ${JSON.stringify(piece)} × ${n} at ${p}` };
  }
  if (op === 3) {
    const n = rng.int(input.length + 1);
    return { text: input.slice(0, n), what: `truncated to ${n} characters` };
  }
  if (op === 4) {
    const p = rng.int(Math.max(1, input.length));
    const c = rng.pick(['%', '%ZZ', '%00', '%E0%A4%A', '\u0000', '\uD800', '#', '=', '&', ':', 'x', '-', '.', ' ', '+', 'e', 'e999', '-0', 'NaN', 'Infinity']);
    return { text: input.slice(0, p) + c + input.slice(p + rng.int(3)), what: `character(s) at ${p} → ${JSON.stringify(c)}` };
  }
  if (op === 5) {
    // Duplicate a chunk.
    const p = rng.int(Math.max(1, input.length));
    const n = 1 + rng.int(Math.max(1, Math.min(200, input.length - p)));
    return { text: input.slice(0, p + n) + input.slice(p, p + n) + input.slice(p + n), what: `duplicated ${n} characters at ${p}` };
  }
  const m = mutateBytes(new TextEncoder().encode(input), rng);
  return { text: new TextDecoder('latin1').decode(m.bytes), what: `bytes: ${m.what}` };
}

// ---- outcomes ---------------------------------------------------------------------------------

export interface Outcome {
  known: boolean;
  /** A short label for the summary: 'ok', the error class and code, or the unknown error's name. */
  label: string;
  message?: string;
}

const IMAGE_MESSAGES = [
  / is neither a PNG nor a JPEG image$/,
  / is a JPEG without a frame header: it is damaged or cut short$/,
  / could not be decoded as a (PNG|JPEG): /,
];

/** Whether an error is one GC Lens means to give for this kind of input. */
export function classifyError(kind: Kind, e: unknown): Outcome {
  const err = e as { name?: string; message?: string; code?: string } | null;
  const name = err?.name ?? typeof e;
  const message = err?.message ?? String(e);
  const known = (label: string): Outcome => ({ known: true, label, message });
  const unknown: Outcome = { known: false, label: `unknown ${name}`, message };
  if (typeof message !== 'string' || message.includes('\n') || message.length > 2000) return { ...unknown, label: `unworded ${name}` };
  if (kind === 'checkpoint') {
    if (name === 'CheckpointError') return known(`CheckpointError ${err?.code}`);
    if (name === 'ArchitectureError') return known('ArchitectureError');
    if (name === 'ModelSpecError') return known('ModelSpecError');
  }
  if (kind === 'package') {
    if (name === 'ModelSpecError') return known('ModelSpecError');
    if (name === 'NonFiniteOutputError') return known('NonFiniteOutputError');
    // Checked when the layer is built rather than by validateModelSpec, but worded: reported, not a finding.
    if (name === 'Error' && /^weight "[^"]{1,80}" is not a permutation: /.test(message)) return known('Error not-a-permutation');
  }
  if (kind === 'image') {
    if (name === 'ImageSizeError') return known('ImageSizeError');
    if (name === 'Error' && IMAGE_MESSAGES.some((m) => m.test(message))) {
      // A decoder's own failure, wrapped: still unknown when it is a crash of the decoder rather than a verdict on the file.
      if (/Maximum call stack|out of bounds|Invalid (typed )?array length|undefined$/.test(message)) return unknown;
      return known(`Error ${IMAGE_MESSAGES.findIndex((m) => m.test(message))}`);
    }
  }
  return unknown;
}

// ---- the run ----------------------------------------------------------------------------------

export interface Options {
  seed: number;
  count: number;
  seconds: number;
  kinds: Kind[];
  kindArg: string;
  index: number | null;
  /** Testing the fuzzer: input I throws a TypeError as if a reader had crashed. */
  injectUnknown: number | null;
  /** Per-input time bound in milliseconds (the mini checkpoint gets 6×). */
  timeoutMs: number;
}

export function parseArgs(argv: string[]): Options {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const kindArg = get('--kind') ?? 'all';
  const kinds = kindArg === 'all' ? [...KINDS] : (kindArg.split(',') as Kind[]);
  for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`--kind ${k}: expected checkpoint, package, image, link or all`);
  const index = get('--index');
  const seconds = Number(get('--seconds') ?? 0);
  return {
    seed: Number(get('--seed') ?? 1),
    count: index !== undefined ? Number(index) + 1 : Number(get('--count') ?? (seconds ? Infinity : 200)),
    seconds,
    kinds,
    kindArg,
    index: index === undefined ? null : Number(index),
    injectUnknown: get('--inject-unknown') === undefined ? null : Number(get('--inject-unknown')),
    timeoutMs: Number(get('--timeout') ?? 10) * 1000,
  };
}

/** Messages from the child: an input started, finished, or was saved. */
type ChildMessage =
  | { type: 'ready'; setupMs: number }
  | { type: 'start'; index: number; kind: Kind; what: string; slow: boolean }
  | { type: 'done'; index: number; kind: Kind; outcome: Outcome; ms: number; rss: number; growth: number }
  | { type: 'saved'; index: number; path: string }
  | { type: 'finding'; finding: Finding };

interface KindStats {
  inputs: number;
  ms: number;
  labels: Map<string, number>;
}

interface Finding {
  index: number;
  kind: Kind;
  what: string;
  problem: string;
  path?: string;
}

async function parent(options: Options): Promise<number> {
  const started = Date.now();
  const deadline = options.seconds ? started + options.seconds * 1000 : Infinity;
  const stats = new Map<Kind, KindStats>(options.kinds.map((k) => [k, { inputs: 0, ms: 0, labels: new Map() }]));
  const findings: Finding[] = [];
  let maxRss = 0;
  let maxGrowth = 0;
  let maxGrowthAt = '';
  let next = options.index ?? 0;
  const repro = (index: number) => `npm run fuzz -- --seed ${options.seed} --kind ${options.kindArg} --index ${index}`;

  const spawnChild = (args: string[]) =>
    fork(join(import.meta.dirname, 'fuzz.ts'), ['--child', ...process.argv.slice(2), ...args], {
      execArgv: [...process.execArgv, '--max-old-space-size=1536', '--stack-size=984'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });

  /** Re-creates input `index` in a fresh child and saves it under fuzz-findings/ (after a hang or crash). */
  const save = (index: number) =>
    new Promise<string | undefined>((resolve) => {
      const child = spawnChild(['--save', String(index)]);
      child.on('message', (m: ChildMessage) => m.type === 'saved' && resolve(m.path));
      child.on('exit', () => resolve(undefined));
    });

  while (next < options.count && Date.now() < deadline) {
    const child: ChildProcess = spawnChild(['--from', String(next)]);
    let current: { index: number; kind: Kind; what: string; slow: boolean; at: number } | null = null;
    let lastProgress = Date.now();
    let stopping = false;
    const stop = () => {
      stopping = true;
      child.kill('SIGTERM');
    };
    const ended = await new Promise<{ hang: boolean; code: number | null; signal: string | null }>((resolve) => {
      let hang = false;
      const watchdog = setInterval(() => {
        const limit = current ? options.timeoutMs * (current.slow ? 6 : 1) : 120_000; // setup converts the mini model
        if (Date.now() - (current?.at ?? lastProgress) > limit) {
          hang = true;
          child.kill('SIGKILL');
        } else if (Date.now() > deadline && current === null) stop();
      }, 200);
      child.on('message', (m: ChildMessage) => {
        lastProgress = Date.now();
        if (m.type === 'start') {
          current = { ...m, at: Date.now() };
        } else if (m.type === 'done') {
          current = null;
          next = m.index + 1;
          const s = stats.get(m.kind)!;
          s.inputs++;
          s.ms += m.ms;
          s.labels.set(m.outcome.label, (s.labels.get(m.outcome.label) ?? 0) + 1);
          if (m.rss > maxRss) maxRss = m.rss;
          if (m.growth > maxGrowth) [maxGrowth, maxGrowthAt] = [m.growth, `${m.kind} #${m.index}`];
          if (Date.now() > deadline) stop();
          if (m.ms > options.timeoutMs * (m.kind === 'checkpoint' ? 6 : 1))
            findings.push({ index: m.index, kind: m.kind, what: '', problem: `took ${m.ms} ms` });
        } else if (m.type === 'saved') {
          const f = findings.find((x) => x.index === m.index && !x.path);
          if (f) f.path = m.path;
        }
      });
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'finding') {
          findings.push(m.finding);
          console.error(`FINDING ${m.finding.kind} #${m.finding.index} (${m.finding.what}): ${m.finding.problem}\n  reproduce: ${repro(m.finding.index)}`);
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(watchdog);
        resolve({ hang, code, signal });
      });
    });
    if (current === null || stopping) {
      if (ended.code !== 0 && !stopping && next < options.count) {
        findings.push({ index: next, kind: options.kinds[next % options.kinds.length], what: 'setup', problem: `child exited ${ended.code ?? ended.signal}` });
        break;
      }
      if (ended.code === 0 || Date.now() > deadline) break;
      continue;
    }
    const c = current as { index: number; kind: Kind; what: string };
    const problem = ended.hang ? `no result within the time bound (hang)` : `the process died (${ended.signal ?? `exit ${ended.code}`}; out of memory?)`;
    const finding: Finding = { index: c.index, kind: c.kind, what: c.what, problem, path: await save(c.index) };
    findings.push(finding);
    console.error(`FINDING ${c.kind} #${c.index} (${c.what}): ${problem}\n  reproduce: ${repro(c.index)}`);
    next = c.index + 1;
  }

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `fuzz: seed ${options.seed}, ${seconds.toFixed(1)} s, max child RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB (heap limit 1536 MiB; largest growth in one input ${(maxGrowth / 2 ** 20).toFixed(0)} MiB, ${maxGrowthAt})`,
  );
  for (const [kind, s] of stats) {
    if (!s.inputs) continue;
    const labels = [...s.labels].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`);
    console.log(`  ${kind}: ${s.inputs} inputs, ${((1000 * s.inputs) / Math.max(1, s.ms)).toFixed(1)} inputs/s busy; ${labels.join(', ')}`);
  }
  if (!findings.length) {
    console.log('  no findings');
    return 0;
  }
  console.log(`  ${findings.length} finding(s):`);
  for (const f of findings)
    console.log(`  - ${f.kind} #${f.index} ${f.what}: ${f.problem}${f.path ? ` (saved as ${f.path})` : ''}\n    reproduce: ${repro(f.index)}`);
  return 1;
}

// ---- the child: seeds and one input at a time ---------------------------------------------------

interface Seeds {
  checkpoints: { name: string; bytes: Uint8Array; slow: boolean }[];
  pkg: { json: Json; files: Map<string, Uint8Array> } | null;
  images: { name: string; bytes: Uint8Array }[];
  links: string[];
}

type Input =
  | { kind: 'checkpoint'; name: string; bytes: Uint8Array; what: string; slow: boolean }
  | { kind: 'package'; files: Map<string, Uint8Array>; what: string }
  | { kind: 'image'; name: string; bytes: Uint8Array; what: string }
  | { kind: 'link'; text: string; what: string };

export async function makeSeeds(kinds: Kind[]): Promise<Seeds> {
  const seeds: Seeds = { checkpoints: [], pkg: null, images: [], links: [] };
  const valid = join(ROOT, 'tests', 'corpus', 'valid');
  if (kinds.includes('checkpoint')) {
    for (const name of ['tiny.zip.pt', 'tiny.legacy.pt', 'tiny.p1.legacy.pt', 'tiny.p4.zip.pt', 'tiny.zip64.pt', 'small-gc.zip.pt', 'small-gc.legacy.pt'])
      seeds.checkpoints.push({ name, bytes: new Uint8Array(readFileSync(join(valid, name))), slow: false });
    const mini = join(ROOT, 'tests', 'fixtures', 'reference-gc');
    for (const name of ['mini_gc.zip.pt', 'mini_gc.legacy.pt'])
      seeds.checkpoints.push({ name, bytes: new Uint8Array(readFileSync(join(mini, name))), slow: true });
  }
  if (kinds.includes('package')) {
    const { convertToPackage } = await import('../src/formats/convertToPackage');
    const { memoryByteSource } = await import('../src/formats/byteSource');
    const files = new Map<string, Uint8Array>();
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'tests', 'fixtures', 'reference-gc', 'mini_gc.zip.pt')));
    await convertToPackage(memoryByteSource(bytes, 'mini_gc.zip.pt'), async (name, b) => void files.set(name, new Uint8Array(b)), {
      id: 'reference-mini',
      name: 'Reference mini model',
      storage: 'float32',
      source: { name: 'mini_gc.zip.pt' },
      preprocessing: { resizeShorter: null, centerCrop: false, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    seeds.pkg = { json: JSON.parse(new TextDecoder().decode(files.get('model.json'))), files };
  }
  if (kinds.includes('image')) {
    const jpeg = (await import('jpeg-js')).default;
    const rgba = (w: number, h: number) => Buffer.from(Array.from({ length: w * h * 4 }, (_, i) => (i * 37) & 255));
    seeds.images.push({ name: 'small.png', bytes: makePng(16, 12) });
    seeds.images.push({ name: 'rgb.png', bytes: makePng(48, 48, false) });
    seeds.images.push({ name: 'small.jpg', bytes: new Uint8Array(jpeg.encode({ width: 24, height: 16, data: rgba(24, 16) }, 80).data) });
    seeds.images.push({ name: 'tiny.jpg', bytes: new Uint8Array(jpeg.encode({ width: 3, height: 5, data: rgba(3, 5) }, 50).data) });
  }
  if (kinds.includes('link')) {
    const { defaultPermalinkState, serializePermalink } = await import('../src/state/permalink');
    const states = [defaultPermalinkState()];
    const s = defaultPermalinkState();
    Object.assign(s, { model: 'mnist-beta2', image: { kind: 'gallery', id: 'digit-3' }, target: 3, contrast: 'mean', panels: ['map', 'input'] });
    s.sliders = [
      { direction: 'd0', amount: 1.5 },
      { direction: 'pc-2', amount: -3 },
    ];
    Object.assign(s.map, { method: 'occlusion', steps: 128, patch: 4, stride: 2, fill: -0.5 });
    Object.assign(s.sampling, { seed: 42, count: 16, temperature: 0.7 });
    states.push(s);
    const e = defaultPermalinkState();
    const pixels = new Uint8Array(8 * 8 * 3).map((_, i) => (i * 29) & 255);
    Object.assign(e, { model: 'reference-mini', image: { kind: 'embedded', width: 8, height: 8, channels: 3, pixels } });
    e.interpolateTo = { kind: 'embedded', width: 4, height: 4, channels: 1, pixels: new Uint8Array(16).fill(7) };
    states.push(e);
    for (const state of states) {
      const r = await serializePermalink(state);
      if (r.ok) seeds.links.push(`#${r.fragment}`);
    }
  }
  return seeds;
}

export function makeInput(seeds: Seeds, options: Options, index: number): Input {
  const rng = rngFor(options.seed, index);
  const kind = options.kinds[index % options.kinds.length];
  // Several mutations at once now and then.
  const rounds = rng.next() < 0.2 ? 2 + rng.int(3) : 1;
  if (kind === 'checkpoint') {
    // The 21 MB mini checkpoints are slow to convert: one input in 40.
    const pool = seeds.checkpoints.filter((c) => c.slow === (rng.int(40) === 0));
    const seed = rng.pick(pool);
    let bytes = seed.bytes;
    const whats: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const m = mutateCheckpoint(bytes, rng);
      bytes = m.bytes;
      whats.push(m.what);
    }
    return { kind, name: seed.name, bytes, what: `${seed.name}: ${whats.join('; ')}`, slow: seed.slow };
  }
  if (kind === 'package') {
    const pkg = seeds.pkg!;
    const files = new Map(pkg.files);
    const whats: string[] = [];
    let json = pkg.json;
    for (let r = 0; r < rounds; r++) {
      const target = rng.next();
      if (target < 0.55) {
        const m = mutateJson(json, rng);
        json = m.value;
        whats.push(`model.json ${m.what}`);
        files.set('model.json', new TextEncoder().encode(JSON.stringify(json)));
      } else if (target < 0.65) {
        const m = mutateBytes(files.get('model.json')!, rng);
        whats.push(`model.json bytes: ${m.what}`);
        files.set('model.json', m.bytes);
      } else {
        const shard = 'weights-000.bin';
        const old = files.get(shard)!;
        if (rng.next() < 0.3) {
          // A float weight poked to a hostile value.
          const bytes = new Uint8Array(old);
          const at = 4 * rng.int(bytes.length / 4);
          const v = rng.pick([Number.NaN, Infinity, -Infinity, 1e30, -1e30, 0, 3.4e38, 1e-45]);
          new DataView(bytes.buffer).setFloat32(at, v, true);
          files.set(shard, bytes);
          whats.push(`shard float at ${at} := ${v}`);
        } else {
          const m = mutateBytes(old, rng);
          files.set(shard, m.bytes);
          whats.push(`shard bytes: ${m.what}`);
        }
      }
    }
    return { kind, files, what: whats.join('; ') };
  }
  if (kind === 'image') {
    const seed = rng.pick(seeds.images);
    let bytes = seed.bytes;
    const whats: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const m = mutateImage(bytes, rng);
      bytes = m.bytes;
      whats.push(m.what);
    }
    return { kind, name: seed.name, bytes, what: `${seed.name}: ${whats.join('; ')}` };
  }
  let text = rng.pick(seeds.links);
  const whats: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const m = mutateLink(text, rng);
    text = m.text;
    whats.push(m.what);
  }
  return { kind: 'link', text, what: whats.join('; ') };
}

let classifierInput: unknown = null;

/** Runs one input; throws what the code under test throws, or a FuzzOracleError when a result is wrong. */
async function runInput(input: Input): Promise<void> {
  if (input.kind === 'checkpoint') {
    const { memoryByteSource } = await import('../src/formats/byteSource');
    const { convertToPackage } = await import('../src/formats/convertToPackage');
    await convertToPackage(memoryByteSource(input.bytes, input.name), async () => {}, {
      id: 'fuzz',
      name: 'fuzz',
      storage: 'float32',
      source: { name: input.name },
    });
    return;
  }
  if (input.kind === 'package') {
    const tf = await import('@tensorflow/tfjs');
    const { loadClassifier } = await import('../src/flow/loadClassifier');
    const { chooseBackend } = await import('../src/flow/backend');
    if (!classifierInput) {
      await chooseBackend(['cpu']);
      classifierInput = tf.tensor4d(
        Float32Array.from({ length: 48 * 48 * 3 }, (_, i) => Math.sin(i) * 1.5),
        [1, 48, 48, 3],
      );
    }
    const text = (name: string) => {
      const b = input.files.get(name);
      if (!b) throw new Error(`no file ${name}`);
      return b;
    };
    const model = await loadClassifier({
      readText: async (name) => new TextDecoder().decode(text(name)),
      async readBinary(name, onBytes) {
        const b = text(name);
        onBytes?.(b.length);
        return b;
      },
    });
    try {
      const x = classifierInput as import('@tensorflow/tfjs').Tensor;
      if (model.spec.input.height === 48 && model.spec.input.width === 48 && model.spec.input.channels === 3) await model.classify(x);
      else {
        const { height, width, channels } = model.spec.input;
        const other = tf.zeros([1, height, width, channels]);
        try {
          await model.classify(other);
        } finally {
          other.dispose();
        }
      }
    } finally {
      model.dispose();
    }
    return;
  }
  if (input.kind === 'image') {
    const { decodeImageBytes } = await import('./lib/decodeImage');
    const { preprocessImage } = await import('../src/formats/preprocess');
    const image = await decodeImageBytes(input.bytes, input.name);
    const spec = {
      input: { channels: 3, height: 48, width: 48 },
      preprocessing: { resizeShorter: 56, centerCrop: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    };
    const out = preprocessImage(image, spec as Parameters<typeof preprocessImage>[1]);
    if (out.length !== 48 * 48 * 3 || out.some((v) => !Number.isFinite(v))) throw new FuzzOracleError('preprocessImage gave a wrong or non-finite tensor');
    return;
  }
  const { parsePermalink, serializePermalink } = await import('../src/state/permalink');
  const parsed = await parsePermalink(input.text);
  if (parsed.notices.some((n) => n.startsWith('The link could not be read')))
    throw new FuzzOracleError('parsePermalink fell back to its catch-all: an exception escaped a field reader');
  if (parsed.notices.length > 21) throw new FuzzOracleError(`${parsed.notices.length} notices`);
  // What was read must write back and read again as itself, silently.
  const again = await serializePermalink(parsed.state);
  if (!again.ok) return;
  const back = await parsePermalink(again.fragment);
  if (back.notices.length || JSON.stringify(back.state, replacer) !== JSON.stringify(parsed.state, replacer))
    throw new FuzzOracleError(`the parsed state does not round-trip (${back.notices.join(' ')})`);
}

const replacer = (_key: string, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v);

class FuzzOracleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzOracleError';
  }
}

function saveInput(input: Input, options: Options, index: number): string {
  const dir = join(FINDINGS, `seed${options.seed}-${options.kindArg}-${index}`);
  mkdirSync(dir, { recursive: true });
  if (input.kind === 'checkpoint') writeFileSync(join(dir, input.name), input.bytes);
  else if (input.kind === 'image') writeFileSync(join(dir, input.name), input.bytes);
  else if (input.kind === 'link') writeFileSync(join(dir, 'fragment.txt'), input.text);
  else for (const [name, bytes] of input.files) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'mutation.txt'), `${input.kind}: ${input.what}\n`);
  return dir;
}

async function child(options: Options, argv: string[]): Promise<void> {
  const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  const started = Date.now();
  const saveIndex = argv.includes('--save') ? Number(argv[argv.indexOf('--save') + 1]) : null;
  const from = Number(argv[argv.indexOf('--from') + 1] ?? 0);
  const kindsNeeded = saveIndex === null ? options.kinds : [options.kinds[saveIndex % options.kinds.length]];
  const seeds = await makeSeeds(kindsNeeded);
  if (saveIndex !== null) {
    const path = saveInput(makeInput(seeds, options, saveIndex), options, saveIndex);
    if (process.send) await send({ type: 'saved', index: saveIndex, path });
    else console.log(`saved ${path}`);
    process.exit(0);
  }
  await send({ type: 'ready', setupMs: Date.now() - started });
  let current: { input: Input; index: number } | null = null;
  process.on('unhandledRejection', (e) => {
    console.error('unhandled rejection', e);
    if (current)
      void send({
        type: 'finding',
        finding: { index: current.index, kind: current.input.kind, what: current.input.what, problem: `unhandled rejection: ${e}` },
      });
  });
  for (let index = from; index < options.count; index++) {
    const input = makeInput(seeds, options, index);
    current = { input, index };
    await send({ type: 'start', index, kind: input.kind, what: input.what, slow: input.kind === 'checkpoint' && input.slow });
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      if (options.injectUnknown === index) throw new TypeError("Cannot read properties of undefined (reading 'shape') [injected by --inject-unknown]");
      await runInput(input);
      outcome = { known: true, label: 'ok' };
    } catch (e) {
      outcome = classifyError(input.kind, e);
      if (!outcome.known) {
        const stack = (e as Error)?.stack?.split('\n').slice(0, 6).join('\n    ') ?? String(e);
        const path = saveInput(input, options, index);
        await send({ type: 'finding', finding: { index, kind: input.kind, what: input.what, problem: `${outcome.label}: ${stack}`, path } });
      }
    }
    await send({
      type: 'done',
      index,
      kind: input.kind,
      outcome,
      ms: Math.round(performance.now() - t0),
      rss: process.memoryUsage().rss,
      growth: process.memoryUsage().rss - rss0,
    });
  }
  process.exit(0);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (argv.includes('--child') || argv.includes('--save-only'))
    await child(options, argv.includes('--save-only') ? [...argv, '--save', String(options.index)] : argv);
  else process.exit(await parent(options));
}
