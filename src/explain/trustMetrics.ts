/**
 * Data-set metrics of a classifier, as pure functions of its outputs, with the definitions of
 * training/evaluate.py (and so of the model card): the posterior is the float64 softmax of the
 * float32 logits; ECE is top-1 over 15 equal-width confidence bins; the typicality score is
 * |−log p(x) − m|; AUROC is Mann–Whitney with average ranks (ties count one half), OOD positive.
 */

/** The number of confidence bins of the model card's ECE. */
export const ECE_BINS = 15;

/** p(y|x) = softmax(logits) in float64, one row of k classes. */
export function softmaxRow(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** The top-1 class (first of equal maxima, as numpy's argmax) and its probability. */
export function topClass(posterior: ArrayLike<number>): { predicted: number; confidence: number } {
  let predicted = 0;
  for (let i = 1; i < posterior.length; i++) if (posterior[i] > posterior[predicted]) predicted = i;
  return { predicted, confidence: posterior[predicted] };
}

/** One image's outcome, for the metrics that need a label. */
export interface LabelledOutcome {
  predicted: number;
  confidence: number;
  label: number;
}

/** The share of images whose top-1 class is the label; null for none. */
export function accuracy(outcomes: readonly LabelledOutcome[]): number | null {
  if (!outcomes.length) return null;
  let right = 0;
  for (const o of outcomes) if (o.predicted === o.label) right++;
  return right / outcomes.length;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** null for an empty bin. */
  meanConfidence: number | null;
  accuracy: number | null;
}

/**
 * ECE = Σ_b |acc_b − conf_b| · n_b / N over equal-width bins: the first is [0, 1/15], the others
 * (lower, upper]; edges b · (1/15) as numpy.linspace makes them.
 */
export function calibration(outcomes: readonly LabelledOutcome[], bins = ECE_BINS): { ece: number; bins: ReliabilityBin[] } | null {
  if (!outcomes.length) return null;
  const step = 1 / bins;
  const edge = (b: number) => (b === bins ? 1 : b * step);
  const out: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const lower = edge(b);
    const upper = edge(b + 1);
    const inside = outcomes.filter((o) => (b > 0 ? o.confidence > lower : o.confidence >= lower) && o.confidence <= upper);
    const n = inside.length;
    const meanConfidence = n ? numpySum(inside.map((o) => o.confidence)) / n : null;
    const binAccuracy = n ? inside.filter((o) => o.predicted === o.label).length / n : null;
    if (meanConfidence !== null && binAccuracy !== null) ece += (Math.abs(binAccuracy - meanConfidence) * n) / outcomes.length;
    out.push({ lower, upper, count: n, meanConfidence, accuracy: binAccuracy });
  }
  return { ece, bins: out };
}

/** numpy's float64 sum (the first value, then the rest pairwise), so means agree with evaluate.py to the last bits. */
function numpySum(values: readonly number[]): number {
  return values.length ? values[0] + pairwiseSum(values, 1) : 0;
}

function pairwiseSum(values: readonly number[], start = 0, end = values.length): number {
  const n = end - start;
  if (n < 8) {
    let s = 0;
    for (let i = start; i < end; i++) s += values[i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    let i = start;
    for (; i + 8 <= end; i += 8) for (let k = 0; k < 8; k++) r[k] += values[i + k];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < end; i++) s += values[i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, start + half) + pairwiseSum(values, start + half, end);
}

/** The typicality score of evaluate.py: distance of −log p(x) from the in-distribution mean m. */
export function typicalityScore(negLogPx: number, mean: number): number {
  return Math.abs(negLogPx - mean);
}

/**
 * P(out > in) + ½ P(out = in): the Mann–Whitney statistic with average ranks (training/evaluate.py's
 * auroc(in, out)); null when a side is empty, a RangeError for NaN scores.
 */
export function auroc(inScores: ArrayLike<number>, outScores: ArrayLike<number>): number | null {
  if (!inScores.length || !outScores.length) return null;
  const scores = [...Array.from(inScores), ...Array.from(outScores)];
  if (scores.some((s) => Number.isNaN(s))) throw new RangeError('the AUROC scores hold NaN');
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let t = i; t <= j; t++) ranks[order[t]] = 0.5 * (i + j) + 1;
    i = j + 1;
  }
  const nIn = inScores.length;
  const nOut = outScores.length;
  let outRankSum = 0;
  for (let i = nIn; i < scores.length; i++) outRankSum += ranks[i];
  return (outRankSum - (nOut * (nOut + 1)) / 2) / (nIn * nOut);
}

export interface RocPoint {
  /** Share of in-distribution images flagged (false positive rate). */
  falsePositive: number;
  /** Share of out-of-distribution images flagged (true positive rate). */
  truePositive: number;
  /** Flagged when the score is at least this. */
  threshold: number;
}

/** The ROC curve of "flag when score ≥ t", from (0, 0) to (1, 1), one point per distinct score. */
export function rocCurve(inScores: readonly number[], outScores: readonly number[]): RocPoint[] {
  if (!inScores.length || !outScores.length) return [];
  const all = [...inScores.map((s) => ({ s, out: false })), ...outScores.map((s) => ({ s, out: true }))].sort((a, b) => b.s - a.s);
  const points: RocPoint[] = [{ falsePositive: 0, truePositive: 0, threshold: Infinity }];
  let fp = 0;
  let tp = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i].out) tp++;
    else fp++;
    if (i + 1 === all.length || all[i + 1].s !== all[i].s)
      points.push({ falsePositive: fp / inScores.length, truePositive: tp / outScores.length, threshold: all[i].s });
  }
  return points;
}

/** counts[label][predicted] over k classes. */
export function confusionMatrix(outcomes: readonly LabelledOutcome[], k: number): number[][] {
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const o of outcomes) counts[o.label][o.predicted]++;
  return counts;
}

export interface Confusion {
  label: number;
  predicted: number;
  count: number;
}

/** The most frequent label → wrong class pairs, most frequent first (ties: lower label, then class). */
export function topConfusions(outcomes: readonly LabelledOutcome[], limit: number): Confusion[] {
  const counts = new Map<string, Confusion>();
  for (const o of outcomes) {
    if (o.predicted === o.label) continue;
    const key = `${o.label}:${o.predicted}`;
    const c = counts.get(key) ?? { label: o.label, predicted: o.predicted, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.label - b.label || a.predicted - b.predicted).slice(0, limit);
}
