/**
 * Describes untrusted pickle values for error messages. A checkpoint can hold a DAG whose full
 * expansion has 2^40 elements, or lists nested 100,000 deep; String() or join() would walk all of
 * it. This shows a bounded prefix: a few levels deep, a few items per container, a few dozen chars.
 */
import type { PyObjectRef, PyValue } from './pickle';

const MAX_DEPTH = 3;
const MAX_ITEMS = 4;
const MAX_STRING = 40;
const MAX_TOTAL = 120;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describe(value: PyValue, depth: number): string {
  if (value === null) return 'None';
  // A missing argument (a REDUCE with too few items): described, not dereferenced.
  if (value === undefined) return 'nothing';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return String(value);
    case 'bigint':
      return clip(value.toString(), MAX_STRING);
    case 'string':
      return JSON.stringify(clip(value, MAX_STRING));
  }
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  const [open, close, items, size] = Array.isArray(value)
    ? Object.isFrozen(value)
      ? ['(', ')', value, value.length]
      : ['[', ']', value, value.length]
    : value instanceof Map
      ? ['{', '}', value.entries(), value.size]
      : value instanceof Set
        ? ['{', '}', value.values(), value.size]
        : [];
  if (open === undefined) return `<${clip(String((value as PyObjectRef).kind), MAX_STRING)}>`;
  if (size === 0) return value instanceof Set ? 'set()' : `${open}${close}`;
  if (depth >= MAX_DEPTH) return `${open}…${close}`;
  const parts: string[] = [];
  let length = 0;
  for (const item of items as Iterable<PyValue | [PyValue, PyValue]>) {
    if (parts.length === MAX_ITEMS || length > MAX_TOTAL) break;
    const text =
      value instanceof Map
        ? `${describe((item as [PyValue, PyValue])[0], depth + 1)}: ${describe((item as [PyValue, PyValue])[1], depth + 1)}`
        : describe(item as PyValue, depth + 1);
    parts.push(text);
    length += text.length + 2;
  }
  if (parts.length < (size ?? 0)) parts.push(`… (${size} items)`);
  return `${open}${parts.join(', ')}${close}`;
}

/** A short, bounded, Python-like rendering of `value`: at most a few hundred characters. */
export function describeValue(value: PyValue): string {
  return clip(describe(value, 0), 4 * MAX_TOTAL);
}

/** The first few of `names` (each clipped) and how many there are in all. */
export function listSome(names: Iterable<string>, total: number, shown = 8): string {
  const first: string[] = [];
  for (const name of names) {
    if (first.length === shown) break;
    first.push(clip(name, MAX_STRING));
  }
  return total > first.length ? `${first.join(', ')}, … (${total} in all)` : first.join(', ');
}

/** A key or name from the file, clipped for a message. */
export function clipName(name: string): string {
  return clip(name, 80);
}
