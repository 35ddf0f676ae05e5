import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The data directory training/prepare_data.py builds: $GC_LENS_DATA, else data/ at the repository root. */
export function dataDir(): string {
  return resolve(process.env.GC_LENS_DATA || join(import.meta.dirname, '..', '..', 'data'));
}

export interface Split {
  /** [C, H, W] of one image. */
  shape: [number, number, number];
  /** uint8, NCHW, images one after another. */
  images: Uint8Array;
  labels: Uint8Array;
}

/** One split of a data set in the data directory (layout: training/README.md, "Data directory"). */
export function readSplit(name: string, split: 'train' | 'test'): Split {
  const folder = join(dataDir(), name);
  let meta: { shape: [number, number, number]; train: number; test: number };
  try {
    meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${join(folder, 'meta.json')}: build the data directory with training/prepare_data.py`, { cause: error });
  }
  const images = new Uint8Array(readFileSync(join(folder, `${split}_x.u8`)));
  const labels = new Uint8Array(readFileSync(join(folder, `${split}_y.u8`)));
  const [c, h, w] = meta.shape;
  if (labels.length !== meta[split] || images.length !== meta[split] * c * h * w) {
    throw new Error(`${folder}: ${split} files do not match meta.json (${meta[split]} images of ${meta.shape.join('x')})`);
  }
  return { shape: meta.shape, images, labels };
}
