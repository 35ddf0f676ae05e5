import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { FIXTURES } from './fixtures';

export const CORPUS = join(import.meta.dirname, '..', 'corpus');

/** One entry of tests/corpus/expected.json: the exact error a broken checkpoint must give. */
export interface Expectation {
  code: string;
  message: string;
  /** 'convert': the file reads, and convertToPackage fails (code 'wrong-architecture' for an ArchitectureError). */
  stage?: 'convert';
  /** A recipe instead of a file: the first truncateTo bytes of this corpus file (or `fixture:<name>`). */
  from?: string;
  truncateTo?: number;
}

export const EXPECTED = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, Expectation>;

/** The hostile checkpoints of issue 12 (each class of attack once). */
export const HOSTILE_CHECKPOINTS = [
  'stride-zero-bomb.zip.pt',
  'shared-storage-bomb.zip.pt',
  'huge-module-index.zip.pt',
  'huge-subnet-index.zip.pt',
  'huge-class-count.zip.pt',
  'huge-channel-count.zip.pt',
  'tuple-dag.zip.pt',
  'deep-list.zip.pt',
  'many-keys.zip.pt',
  'duplicate-entry.zip.pt',
];

/** A corpus entry's bytes: the file, or the truncated copy its recipe describes. */
export function corpusBytes(name: string): Buffer {
  const { from, truncateTo } = EXPECTED[name];
  if (!from) return readFileSync(join(CORPUS, name));
  const source = from.startsWith('fixture:') ? join(FIXTURES, from.slice('fixture:'.length)) : join(CORPUS, from);
  const bytes = readFileSync(source);
  if (!(truncateTo !== undefined && truncateTo < bytes.length)) throw new Error(`${name}: truncateTo must cut ${from}`);
  return bytes.subarray(0, truncateTo);
}

/** A PNG of signature, IHDR and one IDAT of `rows` zero rows: it may claim any size it likes. */
export function pngBomb(width: number, height: number, rows = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    return out; // CRCs are left zero: the header check must come before anything reads them
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const idat = deflateSync(Buffer.alloc(rows * (1 + 4 * width)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
