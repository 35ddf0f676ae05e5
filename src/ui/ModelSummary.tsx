import { useMemo } from 'react';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';
import { entropy, posteriorBars, rankedClasses, typicality } from '../state/resultView';
import { formatProbability } from './format';
import { PosteriorChart } from './PosteriorChart';

/** A model's answer for one image: predicted class, p(y|x), entropy, bits/dim, typicality and the posterior chart. */
export function ModelSummary({
  result,
  spec,
  maxBars,
  testIds = MAIN_TEST_IDS,
}: {
  result: ClassifierResult;
  spec: ModelSpec;
  maxBars: number;
  /** Distinct ids where two summaries share the page. */
  testIds?: SummaryTestIds;
}) {
  const ranked = useMemo(() => rankedClasses(result, spec.classes), [result, spec]);
  const bars = useMemo(() => posteriorBars(ranked, maxBars), [ranked, maxBars]);
  const top = ranked[0];
  const typical = typicality(spec.card, result.logEvidence[0]);
  const k = result.classes;
  return (
    <>
      <dl className="summary">
        <div>
          <dt>predicted class</dt>
          <dd data-testid={testIds.predicted}>{top.label}</dd>
        </div>
        <div>
          <dt>p(y|x)</dt>
          <dd>{formatProbability(top.probability)}</dd>
        </div>
        <div>
          <dt title="H = −Σ p log p; log K is the most uncertain">entropy</dt>
          <dd data-testid={testIds.entropy}>
            {entropy(result.posterior.subarray(0, k)).toFixed(3)} <span className="hint">of {Math.log(k).toFixed(2)} nats</span>
          </dd>
        </div>
        <div>
          <dt>bits/dim</dt>
          <dd data-testid={testIds.bitsPerDim} data-value={result.bitsPerDim[0]}>
            {result.bitsPerDim[0].toFixed(3)}
          </dd>
        </div>
      </dl>
      <div className={`typicality ${typical?.level ?? 'unknown'}`} data-testid={testIds.typicality}>
        {typical ? (
          <>
            <strong>−log p(x) = {typical.nll.toFixed(1)} nats</strong>, z = {typical.z.toFixed(2)} against the training data: {typical.verdict}.
          </>
        ) : (
          <>
            −log p(x) = {(-result.logEvidence[0]).toFixed(1)} nats. <strong>No statistics for this model</strong>: its card gives no in-distribution mean and
            spread of −log p(x), so typicality cannot be judged.
          </>
        )}
      </div>
      <PosteriorChart bars={bars} highlight={top.classIndex} testId={testIds.chart} />
      {k > maxBars && (
        <p className="hint">
          Top {maxBars - 1} of {k} classes; the last bar gathers the rest.
        </p>
      )}
    </>
  );
}

export interface SummaryTestIds {
  predicted: string;
  entropy: string;
  bitsPerDim: string;
  typicality: string;
  chart: string;
}

const MAIN_TEST_IDS: SummaryTestIds = {
  predicted: 'predicted-class',
  entropy: 'entropy',
  bitsPerDim: 'bits-per-dim',
  typicality: 'typicality',
  chart: 'posterior-chart',
};

/** The summary's ids with a prefix, for a second copy on the page. */
export const prefixedTestIds = (prefix: string): SummaryTestIds =>
  Object.fromEntries(Object.entries(MAIN_TEST_IDS).map(([k, v]) => [k, `${prefix}-${v}`])) as unknown as SummaryTestIds;
