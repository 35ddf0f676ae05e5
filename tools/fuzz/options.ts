import { join } from 'node:path';
import { KINDS, type Kind } from './kinds';

export const ROOT = join(import.meta.dirname, '..', '..');
/** Inputs that broke a bound or ended in an unknown error are kept here (git-ignored). */
export const FINDINGS = join(ROOT, 'fuzz-findings');

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
