/** Typed reads of untrusted JSON objects; every failure names the exact key. */

export type Json = unknown;
export type JsonObject = Record<string, Json>;

export class ModelSpecError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`model.json ${path}: ${shortenQuotes(message)}`);
    this.name = 'ModelSpecError';
  }
}

/** Strings quoted from model.json are cut to 64 characters: a hostile file must not make a megabyte error message. */
function shortenQuotes(message: string): string {
  const short = message.replace(/"([^"]{64})[^"]+"/g, '"$1…"');
  return short.length > 500 ? `${short.slice(0, 499)}…` : short;
}

export const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function field(obj: JsonObject, key: string, path: string): Json {
  if (!(key in obj)) throw new ModelSpecError(`${path}.${key}`, 'is missing');
  return obj[key];
}

export function str(obj: JsonObject, key: string, path: string): string {
  const v = field(obj, key, path);
  if (typeof v !== 'string' || v.length === 0) throw new ModelSpecError(`${path}.${key}`, 'must be a non-empty string');
  return v;
}

export function num(obj: JsonObject, key: string, path: string, min = -Infinity): number {
  const v = field(obj, key, path);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new ModelSpecError(`${path}.${key}`, `must be a finite number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export function int(obj: JsonObject, key: string, path: string, min = 0): number {
  const v = num(obj, key, path, min);
  if (!Number.isInteger(v)) throw new ModelSpecError(`${path}.${key}`, `must be an integer, got ${v}`);
  return v;
}

export function arr(obj: JsonObject, key: string, path: string): Json[] {
  const v = field(obj, key, path);
  if (!Array.isArray(v)) throw new ModelSpecError(`${path}.${key}`, 'must be an array');
  return v;
}

export function obj(parent: JsonObject, key: string, path: string): JsonObject {
  const v = field(parent, key, path);
  if (!isObject(v)) throw new ModelSpecError(`${path}.${key}`, 'must be an object');
  return v;
}

/** A field that must name a weight; its existence and shape are checked against the manifest later. */
export function weightName(obj: JsonObject, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new ModelSpecError(`${path}.${key}`, 'must name a weight');
  return v;
}
