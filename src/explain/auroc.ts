/**
 * Area under the ROC curve for telling `positive` scores from `negative` ones, higher meaning
 * positive: P(s₊ > s₋) + ½ P(s₊ = s₋), the Mann–Whitney U statistic with average ranks for ties
 * (the definition of training/evaluate.py's auroc(in, out), positive = out).
 */
export function auroc(negative: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = negative.length;
  const m = positive.length;
  if (n === 0 || m === 0) throw new RangeError(`the AUROC needs scores on both sides, got ${n} negative and ${m} positive`);
  const scores = [...Array.from(negative), ...Array.from(positive)];
  if (scores.some((s) => Number.isNaN(s))) throw new RangeError('the AUROC scores hold NaN');
  const order = Array.from(scores.keys()).sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : a - b));
  let positiveRankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (order[t] >= n) positiveRankSum += rank;
    i = j + 1;
  }
  return (positiveRankSum - (m * (m + 1)) / 2) / (n * m);
}
