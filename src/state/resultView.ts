import type { ClassifierResult } from '../flow/classifier';
import { className } from './resultWords';

/** One bar of the posterior chart: a class, or every class past the shown ones together. */
export interface PosteriorBar {
  key: string;
  label: string;
  /** null for the bar that gathers the remaining classes. */
  classIndex: number | null;
  probability: number;
  /** The per-class value printed beside the bar (log p(x|y) for a classification); null for the gathered bar. */
  beside: number | null;
}

export interface ClassScore {
  classIndex: number;
  label: string;
  /** p(y|x). */
  probability: number;
  /** A per-class value shown beside it: log p(x|y) in nats for a classification. */
  beside: number;
}

/**
 * The `count` most probable classes, most probable first (ties by index), with their value of beside. One pass that
 * keeps the best few: ranking all of ImageNet's 1000 classes at every result and slider step cost the page a long task.
 */
export function topClasses(posterior: ArrayLike<number>, beside: ArrayLike<number>, classes: string[], count: number): ClassScore[] {
  const best: number[] = [];
  for (let y = 0; y < posterior.length; y++) {
    if (best.length === count) {
      if (!(posterior[y] > posterior[best[count - 1]])) continue;
      best.pop();
    }
    let at = best.length;
    while (at > 0 && posterior[y] > posterior[best[at - 1]]) at--;
    best.splice(at, 0, y);
  }
  return best.map((y) => ({ classIndex: y, label: className(classes, y), probability: posterior[y], beside: beside[y] }));
}

/** At most maxBars bars, most probable first; past that, the rest share one bar so that the bars still sum to 1. */
export function posteriorBars(posterior: ArrayLike<number>, beside: ArrayLike<number>, classes: string[], maxBars: number): PosteriorBar[] {
  const k = posterior.length;
  const bar = (c: ClassScore): PosteriorBar => ({
    key: String(c.classIndex),
    label: c.label,
    classIndex: c.classIndex,
    probability: c.probability,
    beside: c.beside,
  });
  if (k <= maxBars) return topClasses(posterior, beside, classes, k).map(bar);
  const shown = topClasses(posterior, beside, classes, maxBars - 1);
  const isShown = new Set(shown.map((c) => c.classIndex));
  let rest = 0;
  for (let y = 0; y < k; y++) if (!isShown.has(y)) rest += posterior[y];
  return [...shown.map(bar), { key: 'rest', label: `${k - shown.length} other classes`, classIndex: null, probability: rest, beside: null }];
}

/** H(p) in nats. */
export function entropy(posterior: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < posterior.length; i++) if (posterior[i] > 0) h -= posterior[i] * Math.log(posterior[i]);
  return h;
}

/** The classes the explanations are about, resolved from the view's choices and the posterior. */
export interface ResolvedClasses {
  /** The explained class. */
  a: number;
  /** Its contrast: a class or the mean over classes. */
  b: number | 'mean';
  /** Where "toward" sliders lead: the contrast class, or the runner-up when the contrast is the mean. */
  toward: number;
}

export function resolveClasses(posterior: ArrayLike<number>, target: number | 'predicted', contrast: number | 'predicted' | 'mean'): ResolvedClasses {
  const k = posterior.length;
  const best = (exclude: number) => {
    let y = -1;
    for (let i = 0; i < k; i++) if (i !== exclude && (y < 0 || posterior[i] > posterior[y])) y = i;
    return y;
  };
  const a = target === 'predicted' ? best(-1) : Math.min(target, k - 1);
  const runnerUp = k > 1 ? best(a) : a;
  const b = contrast === 'mean' ? 'mean' : contrast === 'predicted' ? runnerUp : Math.min(contrast, k - 1);
  return { a, b, toward: b === 'mean' ? runnerUp : b };
}

export interface Typicality {
  /** −log p(x) in nats. */
  nll: number;
  z: number;
  verdict: string;
  level: 'typical' | 'unusual' | 'atypical';
}

/** |z| of −log p(x) against the training data below which an image counts as typical. */
const TYPICAL_Z = 2;

/** The card's in-distribution mean and std of −log p(x) in nats, or null when it has none. */
export function typicalityStatistics(card: Record<string, unknown>): { mean: number; std: number } | null {
  const stats = card.typicality as { mean?: unknown; std?: unknown } | undefined;
  if (!stats || typeof stats.mean !== 'number' || typeof stats.std !== 'number' || !(stats.std > 0)) return null;
  return { mean: stats.mean, std: stats.std };
}

/** −log p(x) against the in-distribution mean and std from the model card, or null when the card has none. */
export function typicality(card: Record<string, unknown>, logEvidence: number): Typicality | null {
  const stats = typicalityStatistics(card);
  if (!stats) return null;
  const nll = -logEvidence;
  const z = (nll - stats.mean) / stats.std;
  const size = Math.abs(z);
  const side = z > 0 ? 'less likely' : 'more likely';
  if (size < TYPICAL_Z) return { nll, z, level: 'typical', verdict: 'typical of the training data' };
  if (size < 4) return { nll, z, level: 'unusual', verdict: `unusual: ${side} than most training images` };
  return { nll, z, level: 'atypical', verdict: `far outside the training data (${side} than almost all of it): treat the prediction with suspicion` };
}

/** The −log p(x) range (nats) that `typicality` calls typical, or null when the card has no statistics. */
export function typicalRange(card: Record<string, unknown>): [number, number] | null {
  const stats = typicalityStatistics(card);
  return stats && [stats.mean - TYPICAL_Z * stats.std, stats.mean + TYPICAL_Z * stats.std];
}

export interface ReliabilityBin {
  confidence: number;
  accuracy: number;
  count: number;
}

/** The reliability diagram of the model card (card.calibration {bins, ece}), or null. */
export function calibration(card: Record<string, unknown>): { bins: ReliabilityBin[]; ece: number | null; source: string | null } | null {
  const c = card.calibration as { bins?: unknown; ece?: unknown; source?: unknown } | undefined;
  if (!c || !Array.isArray(c.bins)) return null;
  const bins = c.bins.filter((b): b is ReliabilityBin => typeof b?.confidence === 'number' && typeof b?.accuracy === 'number' && typeof b?.count === 'number');
  if (!bins.length) return null;
  return { bins, ece: typeof c.ece === 'number' ? c.ece : null, source: typeof c.source === 'string' ? c.source : null };
}

/** A model whose card says its weights are random (a test fixture): its posteriors mean nothing. */
export function hasRandomWeights(card: Record<string, unknown>): boolean {
  return card.randomWeights === true;
}

/** The most probable class of the first image. */
export function predictedClass(result: ClassifierResult): number {
  return resolveClasses(result.posterior.subarray(0, result.classes), 'predicted', 'predicted').a;
}
