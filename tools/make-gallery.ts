/**
 * Writes public/gallery: generated test images for any model (drawn here, no license questions)
 * and the first MNIST test digit of each class (CC BY-SA 3.0, attributed) for 28x28 grayscale models.
 * Run: npx tsx tools/make-gallery.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { readSplit } from './lib/dataDir';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'public', 'gallery');

interface Entry {
  id: string;
  title: string;
  file: string;
  models: string[];
  credit: string;
}

const GENERATED = 'Generated for GC Lens (tools/make-gallery.ts); public domain.';
type Paint = (x: number, y: number, w: number, h: number) => [number, number, number];

const generated: [string, string, Paint][] = [
  ['sunset', 'Generated: sunset gradient', (x, y, w, h) => [255 - (120 * y) / h, 90 + (100 * y) / h + (40 * x) / w, 60 + (170 * y) / h]],
  ['disc', 'Generated: red disc on blue', (x, y, w, h) => (Math.hypot(x - w / 2, y - h / 2) < w / 4 ? [220, 38, 38] : [30, 64, 175 + (60 * y) / h])],
  ['stripes', 'Generated: diagonal stripes', (x, y) => (Math.floor((x + y) / 8) % 2 === 0 ? [245, 158, 11] : [17, 24, 39])],
  ['rings', 'Generated: green rings', (x, y, w, h) => (Math.floor(Math.hypot(x - w / 2, y - h / 2) / 6) % 2 ? [4, 120, 87] : [236, 253, 245])],
];

function writePng(file: string, width: number, height: number, rgba: (i: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([...rgba(i), 255], 4 * i);
  writeFileSync(join(OUT, file), PNG.sync.write(png));
}

const entries: Entry[] = [];
for (const [id, title, paint] of generated) {
  const w = 96;
  const h = 96;
  writePng(`${id}.png`, w, h, (i) => paint(i % w, Math.floor(i / w), w, h).map((v) => Math.round(Math.min(255, Math.max(0, v)))) as [number, number, number]);
  entries.push({ id, title, file: `${id}.png`, models: ['any'], credit: GENERATED });
}

const mnist = readSplit('mnist', 'test');
const labels = mnist.labels;
for (let digit = 0; digit < 10; digit++) {
  const index = labels.indexOf(digit);
  writePng(`mnist-${digit}.png`, 28, 28, (i) => {
    const v = mnist.images[28 * 28 * index + i];
    return [v, v, v];
  });
  entries.push({
    id: `mnist-${digit}`,
    title: `MNIST test digit ${digit} (#${index})`,
    file: `mnist-${digit}.png`,
    models: ['input:1x28x28'],
    credit: `MNIST test set image ${index}, Yann LeCun and Corinna Cortes, CC BY-SA 3.0 (creativecommons.org/licenses/by-sa/3.0).`,
  });
}
writeFileSync(join(OUT, 'index.json'), `${JSON.stringify({ images: entries }, null, 1)}\n`);
console.log(`wrote ${entries.length} images to ${OUT}`);
