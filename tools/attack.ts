/**
 * npm run attack -- <model dir> <images…> [--norm linf|l2] [--eps 2,4,8] [--steps 10] [--step-ratio 0.25]
 *                   [--target <class>] [--backend wasm|cpu]
 * The panel's PGD over a set of images, per ε: the success rate of the 8-bit rounded attacks and the typicality
 * AUROC (clean against attacked, |−log p(x) − card mean|). Images go through the app's preprocessing and 8-bit rounding.
 */
import { attackBatch, batchAttackSummary } from '../src/explain/attackBatch';
import { loadClassifier } from '../src/flow/loadClassifier';
import { typicalityStatistics } from '../src/state/resultView';
import { quantizedModelInput } from '../src/worker/modelPixels';
import { fail, parseArgs } from './lib/args';
import { decodeImageFile } from './lib/decodeImage';
import { activateNodeBackend } from './lib/nodeBackend';
import { nodePackageFiles } from './lib/nodePackageFiles';

function numberList(text: string, what: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) fail(`--${what} takes numbers ≥ 0 separated by commas, got "${text}"`);
  return values;
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [modelDir, ...images] = positional;
  if (!modelDir || images.length === 0)
    fail('usage: npm run attack -- <model dir> <images…> [--norm linf|l2] [--eps 2,4,8] [--steps 10] [--step-ratio 0.25] [--target k] [--backend wasm|cpu]');
  const norm = flags.get('norm') ?? 'linf';
  if (norm !== 'linf' && norm !== 'l2') fail(`--norm must be linf or l2, got "${norm}"`);
  const epsilons = numberList(flags.get('eps') ?? (norm === 'linf' ? '2,4,8' : '100,200,400'), 'eps');
  const steps = Number(flags.get('steps') ?? 10);
  const ratio = Number(flags.get('step-ratio') ?? 0.25);
  const target = flags.has('target') ? Number(flags.get('target')) : null;
  const backend = await activateNodeBackend(flags.get('backend') ?? 'wasm');
  const model = await loadClassifier(nodePackageFiles(modelDir));
  const starts = await Promise.all(images.map(async (path) => Float32Array.from(quantizedModelInput(await decodeImageFile(path), model.spec).pixels.pixels)));
  const mean = typicalityStatistics(model.spec.card)?.mean ?? null;
  console.log(
    `${model.spec.id} on ${backend}: ${images.length} images, ${norm}, ${steps} steps of ${ratio}·ε${target === null ? ', untargeted' : `, target ${target}`}`,
  );
  for (const epsilon of epsilons) {
    const started = performance.now();
    const r = batchAttackSummary(await attackBatch(model, starts, { target, norm, epsilon, steps, stepSize: ratio * epsilon || ratio }), target, mean);
    const rate = r.successRate === null ? 'n/a' : `${(100 * r.successRate).toFixed(1)} %`;
    const auroc = r.typicalityAuroc === null ? 'n/a (the card has no typicality statistics)' : r.typicalityAuroc.toFixed(4);
    console.log(`ε = ${epsilon}: success ${rate} of ${r.attacked}, typicality AUROC ${auroc}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  model.dispose();
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
