import { useMemo } from 'react';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';
import { entropy, posteriorBars, topClasses, typicality } from '../state/resultView';
import { formatBitsPerDim, formatEntropy, formatNats, formatProbability, formatZScore } from './format';
import { Help, TermName } from './Help';
import { PosteriorChart, PosteriorChartKey } from './PosteriorChart';

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
  const k = result.classes;
  const bars = useMemo(() => posteriorBars(result.posterior.subarray(0, k), result.logLikelihood, spec.classes, maxBars), [result, spec, maxBars, k]);
  const top = useMemo(() => topClasses(result.posterior.subarray(0, k), result.logLikelihood, spec.classes, 1)[0], [result, spec, k]);
  const typical = typicality(spec.card, result.logEvidence[0]);
  return (
    <>
      <dl className="summary">
        <div>
          <dt>predicted class</dt>
          <dd data-testid={testIds.predicted}>{top.label}</dd>
        </div>
        <div>
          <dt>
            <TermName term="posterior" />
          </dt>
          <dd>{formatProbability(top.probability)}</dd>
        </div>
        <div>
          <dt>
            <TermName term="entropy" />
          </dt>
          <dd data-testid={testIds.entropy}>
            {formatEntropy(entropy(result.posterior.subarray(0, k)))}{' '}
            <span className="hint">
              of at most {formatEntropy(Math.log(k))} nats <Help term="nats" />
            </span>
          </dd>
        </div>
        <div>
          <dt>
            <TermName term="bitsPerDim" />
          </dt>
          <dd data-testid={testIds.bitsPerDim} data-value={result.bitsPerDim[0]}>
            {formatBitsPerDim(result.bitsPerDim[0], { unit: false })}
          </dd>
        </div>
      </dl>
      <div className={`typicality ${typical?.level ?? 'unknown'}`} data-testid={testIds.typicality}>
        <span className="typicality-head">
          <TermName term="typicality" />
        </span>{' '}
        {typical ? (
          <>
            <strong>
              −log p(x) = {formatNats(typical.nll)} <Help term="negativeLogEvidence" />
            </strong>
            , z = {formatZScore(typical.z)} <Help term="typicalityScore" /> against the training data: {typical.verdict}.
          </>
        ) : (
          <>
            −log p(x) = {formatNats(-result.logEvidence[0])} <Help term="negativeLogEvidence" />. <strong>No statistics for this model</strong>: its card gives
            no in-distribution mean and spread of −log p(x), so typicality cannot be judged.
          </>
        )}
        {result.logEvidence[0] > 0 && <NegativeDensityNote />}
      </div>
      <PosteriorChartKey />
      <PosteriorChart bars={bars} highlight={top.classIndex} testId={testIds.chart} />
      {k > maxBars && (
        <p className="hint">
          Top {maxBars - 1} of {k} classes; the last bar gathers the rest.
        </p>
      )}
    </>
  );
}

/** Said wherever −log p(x) is negative, since a negative "negative log" surprises most readers. */
function NegativeDensityNote() {
  return (
    <span className="typicality-note" data-testid="negative-nll-note">
      {' '}
      It is negative because the density of normalised pixel values can exceed 1; that is normal here.
    </span>
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
