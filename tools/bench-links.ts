/**
 * npm run bench:links [-- photo …]
 * The length of a permalink that carries a photo's exact 224² model input (the authors' ImageNet preprocessing), for
 * the photos in tests/fixtures/photos or those named. The image travels as 8-bit pixels, PNG row filters then deflate,
 * base64url; the rest of the link is the default view of a converted checkpoint named by content. Also prints what
 * writing each link to the address bar (history.replaceState) costs the page in Chromium: the median of 9 writes.
 */
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import type { Preprocessing } from '../src/formats/modelSpec';
import { defaultPermalinkState, LONG_LINK_LENGTH, MAX_FRAGMENT_LENGTH, serializePermalink } from '../src/state/permalink';
import { quantizedModelInput } from '../src/worker/modelPixels';
import { ROOT } from '../tests/browser/app-helpers';
import { launchChromium } from '../tests/browser/harness';
import { decodeImageFile } from './lib/decodeImage';

/** What the converter writes for a 224² checkpoint (src/formats/convertCheckpoint.ts). */
const IMAGENET: { input: { channels: number; height: number; width: number }; preprocessing: Preprocessing } = {
  input: { channels: 3, height: 224, width: 224 },
  preprocessing: { resizeShorter: 256, centerCrop: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};
const ORIGIN = 'https://gc-lens.example/';

async function linkLength(path: string): Promise<{ photo: string; size: string; imageChars: number; linkChars: number; fragment: string }> {
  const image = await decodeImageFile(path);
  const { pixels } = quantizedModelInput(image, IMAGENET);
  const state = {
    ...defaultPermalinkState(),
    model: 'beta-8-avg-pt',
    checkpoint: { file: 'beta_8.avg.pt', sha256: 'f'.repeat(64) },
    image: { kind: 'embedded' as const, ...pixels },
  };
  const serialized = await serializePermalink(state);
  if (!serialized.ok) throw new Error(`${path}: ${serialized.message}`);
  const imageField = serialized.fragment.split('&').find((part) => part.startsWith('img=')) ?? '';
  return {
    photo: basename(path),
    size: `${image.width}×${image.height}`,
    imageChars: imageField.length,
    linkChars: ORIGIN.length + 1 + serialized.fragment.length,
    fragment: serialized.fragment,
  };
}

const named = process.argv.slice(2);
const folder = join(ROOT, 'tests/fixtures/photos');
const photos = named.length ? named : (await readdir(folder)).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => join(folder, f));
const rows = await Promise.all(photos.map(linkLength));
const writeMs = await addressBarWrites(rows.map((r) => r.fragment));
console.log(`Links to a 224×224×3 model input (the link limit is ${MAX_FRAGMENT_LENGTH} characters; the page warns above ${LONG_LINK_LENGTH})`);
console.log(
  `${'photo'.padEnd(16)}${'size'.padEnd(10)}${'img= field'.padStart(12)}${'whole link'.padStart(12)}${'bytes/pixel'.padStart(13)}${'replaceState'.padStart(14)}`,
);
for (const [i, r] of rows.entries())
  console.log(
    `${r.photo.padEnd(16)}${r.size.padEnd(10)}${String(r.imageChars).padStart(12)}${String(r.linkChars).padStart(12)}${((r.imageChars * 0.75) / (224 * 224)).toFixed(2).padStart(13)}${`${writeMs[i].toFixed(1)} ms`.padStart(14)}`,
  );

/** Median milliseconds of 9 address-bar writes of each fragment (a view field changed each time), in an idle Chromium page. */
async function addressBarWrites(fragments: string[]): Promise<number[]> {
  const server = createServer((_, response) => response.end('<!doctype html><title>links</title>')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    // A string, not a function: tsx would add helpers the page does not have.
    return (await page.evaluate(`${JSON.stringify(fragments)}.map((fragment) => {
      const times = [];
      for (let i = 0; i < 9; i++) {
        const started = performance.now();
        history.replaceState(null, '', '#' + fragment + '&n=' + i);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[4];
    })`)) as number[];
  } finally {
    await browser.close();
    server.close();
  }
}
