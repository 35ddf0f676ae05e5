import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kind } from './kinds';
import { makePng, mutateImage, mutateLink } from './media';
import { type Json, mutateBytes, mutateCheckpoint, mutateJson } from './mutations';
import { FINDINGS, type Options, ROOT } from './options';
import { rngFor } from './random';

export interface Seeds {
  checkpoints: { name: string; bytes: Uint8Array; slow: boolean }[];
  pkg: { json: Json; files: Map<string, Uint8Array> } | null;
  images: { name: string; bytes: Uint8Array }[];
  links: string[];
}

export type Input =
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
    const { convertToPackage } = await import('../../src/formats/convertToPackage');
    const { memoryByteSource } = await import('../../src/formats/byteSource');
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
    const { defaultPermalinkState, serializePermalink } = await import('../../src/state/permalink');
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
export async function runInput(input: Input): Promise<void> {
  if (input.kind === 'checkpoint') {
    const { memoryByteSource } = await import('../../src/formats/byteSource');
    const { convertToPackage } = await import('../../src/formats/convertToPackage');
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
    const { loadClassifier } = await import('../../src/flow/loadClassifier');
    const { chooseBackend } = await import('../../src/flow/backend');
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
    const { decodeImageBytes } = await import('../lib/decodeImage');
    const { preprocessImage } = await import('../../src/formats/preprocess');
    const image = await decodeImageBytes(input.bytes, input.name);
    const spec = {
      input: { channels: 3, height: 48, width: 48 },
      preprocessing: { resizeShorter: 56, centerCrop: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    };
    const out = preprocessImage(image, spec as Parameters<typeof preprocessImage>[1]);
    if (out.length !== 48 * 48 * 3 || out.some((v) => !Number.isFinite(v))) throw new FuzzOracleError('preprocessImage gave a wrong or non-finite tensor');
    return;
  }
  const { parsePermalink, serializePermalink } = await import('../../src/state/permalink');
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

export function saveInput(input: Input, options: Options, index: number): string {
  const dir = join(FINDINGS, `seed${options.seed}-${options.kindArg}-${index}`);
  mkdirSync(dir, { recursive: true });
  if (input.kind === 'checkpoint') writeFileSync(join(dir, input.name), input.bytes);
  else if (input.kind === 'image') writeFileSync(join(dir, input.name), input.bytes);
  else if (input.kind === 'link') writeFileSync(join(dir, 'fragment.txt'), input.text);
  else for (const [name, bytes] of input.files) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'mutation.txt'), `${input.kind}: ${input.what}\n`);
  return dir;
}
