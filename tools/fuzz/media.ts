import { deflateSync } from 'node:zlib';
import { mutateBytes } from './mutations';
import type { Rng } from './random';

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
