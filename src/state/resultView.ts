import type { ClassifierResult } from '../flow/classifier';

/** One bar of the posterior chart: a class, or every class past the shown ones together. */
export interface PosteriorBar {
  key: string;
  label: string;
  /** null for the bar that gathers the remaining classes. */
  classIndex: number | null;
  probability: number;
}

export interface ClassScore {
  classIndex: number;
  label: string;
  /** p(y|x). */
  probability: number;
  /** log p(x|y) in nats. */
  logLikelihood: number;
}

/** The classes of the first image, most probable first. */
export function rankedClasses(result: ClassifierResult, classes: string[]): ClassScore[] {
  const k = result.classes;
  return Array.from({ length: k }, (_, y) => ({
    classIndex: y,
    label: classes[y] ?? `class ${y}`,
    probability: result.posterior[y],
    logLikelihood: result.logLikelihood[y],
  })).sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex);
}

/** At most maxBars bars, most probable first; past that, the rest share one bar so that the bars still sum to 1. */
export function posteriorBars(ranked: ClassScore[], maxBars: number): PosteriorBar[] {
  const bar = (c: ClassScore): PosteriorBar => ({ key: String(c.classIndex), label: c.label, classIndex: c.classIndex, probability: c.probability });
  if (ranked.length <= maxBars) return ranked.map(bar);
  const shown = ranked.slice(0, maxBars - 1);
  const rest = ranked.slice(maxBars - 1);
  return [
    ...shown.map(bar),
    { key: 'rest', label: `${rest.length} other classes`, classIndex: null, probability: rest.reduce((s, c) => s + c.probability, 0) },
  ];
}
