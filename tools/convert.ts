/**
 * npm run convert -- <checkpoint.pt> --out public/models/<id> [--labels file.json] [--name "…"] [--description "…"]
 *   [--id id] [--dtype float16|float32] [--card model_card.json (from training/evaluate.py)]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { convertToPackage } from '../src/formats/convertToPackage';
import { storedBytes } from '../src/formats/modelPackage';
import type { ModelIndexEntry } from '../src/formats/modelSpec';
import { fail, parseArgs, progressBar } from './lib/args';
import { fileByteSource } from './lib/nodeByteSource';
import { nodeFileWriter } from './lib/nodePackageFiles';
import { cardFromTraining } from './lib/trainingCard';

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Class names from a JSON array, or from an {"0": [wnid, name], …} index. */
export async function readLabels(path: string): Promise<string[]> {
  const raw = JSON.parse(await readFile(path, 'utf8'));
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw;
  if (raw && typeof raw === 'object')
    return Object.keys(raw)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => (Array.isArray(raw[k]) ? String(raw[k][1]) : String(raw[k])));
  throw new Error(`${path}: expected a JSON array of class names or a class index object`);
}

/** Adds or replaces the model in public/models/index.json when the package lives beside it. */
async function updateIndex(outDir: string, entry: ModelIndexEntry): Promise<void> {
  const indexPath = join(dirname(outDir), 'index.json');
  if (basename(dirname(outDir)) !== 'models') return;
  let index: { models: ModelIndexEntry[] } = { models: [] };
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch {
    /* a new index */
  }
  index.models = [...index.models.filter((m) => m.id !== entry.id), entry];
  await writeFile(indexPath, `${JSON.stringify(index, null, 1)}\n`);
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [checkpoint] = positional;
  const out = flags.get('out');
  if (!checkpoint || !out)
    fail(
      'usage: npm run convert -- <checkpoint.pt> --out <model dir> [--labels f.json] [--name …] [--description …] [--id …] ' +
        '[--dtype float16|float32] [--card model_card.json]',
    );
  const storage = flags.get('dtype') ?? 'float16';
  if (storage !== 'float16' && storage !== 'float32') fail(`--dtype must be float16 or float32, got ${storage}`);
  const outDir = resolve(out);
  const id = flags.get('id') ?? basename(outDir);
  const source = await fileByteSource(checkpoint);
  try {
    const spec = await convertToPackage(source, await nodeFileWriter(outDir), {
      id,
      name: flags.get('name') ?? id,
      description: flags.get('description'),
      classes: flags.has('labels') ? await readLabels(flags.get('labels')!) : undefined,
      card: flags.has('card') ? cardFromTraining(JSON.parse(await readFile(flags.get('card')!, 'utf8'))) : undefined,
      convertedAt: new Date().toISOString(),
      storage,
      source: { name: basename(checkpoint), sha256: await sha256(checkpoint) },
      onProgress: (p) => progressBar(p.stage.padEnd(10), p.bytesRead, p.bytesTotal),
    });
    const bytes = spec.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + storedBytes(w), 0);
    await updateIndex(outDir, { id, name: spec.name, path: `models/${basename(outDir)}`, bytes, description: spec.description });
    process.stderr.write(
      `\nwrote ${outDir}: ${spec.layers.length} layers, ${spec.classes.length} classes, ${(bytes / 1048576).toFixed(1)} MiB of ${storage} weights\n`,
    );
  } finally {
    await source.close();
  }
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
