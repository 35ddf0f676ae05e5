import { useMemo } from 'react';
import { entropy, hasRandomWeights, posteriorBars, rankedClasses, typicality } from '../state/resultView';
import { formatBitsPerDim, formatEntropy, formatNats, formatProbability, formatZScore } from './format';
import { Help, TermName } from './Help';
import { Panel } from './Panel';
import { PosteriorChart, PosteriorChartKey } from './PosteriorChart';
import { useApp } from './storeContext';

const MAX_BARS = 12;

/** Said wherever −log p(x) is negative, since a negative "negative log" surprises most readers. */
function NegativeDensityNote() {
  return (
    <span className="typicality-note" data-testid="negative-nll-note">
      {' '}
      It is negative because the density of normalised pixel values can exceed 1; that is normal here.
    </span>
  );
}

export function PosteriorPanel() {
  const classification = useApp((s) => s.classification);
  const spec = useApp((s) => s.model?.spec);
  const classifying = useApp((s) => s.classifying);
  // Once the start is over: the backend failed, or a load did and no earlier model stands.
  const noModel = useApp((s) => Boolean(s.backendFailure) || (s.models.length > 0 && !s.model && !s.loading));
  const result = classification?.result;
  const ranked = useMemo(() => (result && spec ? rankedClasses(result, spec.classes) : null), [result, spec]);
  const bars = useMemo(() => ranked && posteriorBars(ranked, MAX_BARS), [ranked]);

  if (!result || !ranked || !bars || !spec)
    return (
      <Panel id="posterior" title="Posterior" exportName="posterior">
        <p className="hint">{classifying ? 'Classifying…' : noModel ? 'No model is loaded.' : 'Choose an input to see p(y|x), log p(x|y) and bits/dim.'}</p>
      </Panel>
    );

  const top = ranked[0];
  const typical = typicality(spec.card, result.logEvidence[0]);
  const k = result.classes;
  return (
    <Panel id="posterior" title="Posterior" exportName="posterior" busy={classifying}>
      {hasRandomWeights(spec.card) && (
        <p className="random-weights" data-testid="random-weights">
          <strong>Random weights:</strong> these probabilities mean nothing. This model is untrained; it shows that every number is computed exactly, not what
          the image is.
        </p>
      )}
      <dl className="summary">
        <div>
          <dt>predicted class</dt>
          <dd data-testid="predicted-class">{top.label}</dd>
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
          <dd data-testid="entropy">
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
          <dd data-testid="bits-per-dim" data-value={result.bitsPerDim[0]}>
            {formatBitsPerDim(result.bitsPerDim[0], { unit: false })}
          </dd>
        </div>
      </dl>
      <div className={`typicality ${typical?.level ?? 'unknown'}`} data-testid="typicality">
        <span className="typicality-head">
          <TermName term="typicality" />
        </span>{' '}
        {typical ? (
          <>
            <strong>
              −log p(x) = {formatNats(typical.nll)} <Help term="negativeLogEvidence" />
            </strong>
            , z = {formatZScore(typical.z)} <Help term="typicalityScore" /> against the training data: {typical.verdict}.
            {typical.nll < 0 && <NegativeDensityNote />}
          </>
        ) : (
          <>
            −log p(x) = {formatNats(-result.logEvidence[0])} <Help term="negativeLogEvidence" />. <strong>No statistics for this model</strong>: its card gives
            no in-distribution mean and spread of −log p(x), so typicality cannot be judged.
            {result.logEvidence[0] > 0 && <NegativeDensityNote />}
          </>
        )}
      </div>
      <PosteriorChartKey />
      <PosteriorChart bars={bars} highlight={top.classIndex} />
      {k > MAX_BARS && (
        <p className="hint">
          Top {MAX_BARS - 1} of {k} classes; the last bar gathers the rest.
        </p>
      )}
    </Panel>
  );
}
