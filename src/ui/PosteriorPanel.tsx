import { useMemo } from 'react';
import { entropy, posteriorBars, rankedClasses, typicality } from '../state/resultView';
import { formatProbability } from './format';
import { Panel } from './Panel';
import { PosteriorChart } from './PosteriorChart';
import { useApp } from './storeContext';

const MAX_BARS = 12;

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
      <dl className="summary">
        <div>
          <dt>predicted class</dt>
          <dd data-testid="predicted-class">{top.label}</dd>
        </div>
        <div>
          <dt>p(y|x)</dt>
          <dd>{formatProbability(top.probability)}</dd>
        </div>
        <div>
          <dt title="H = −Σ p log p; log K is the most uncertain">entropy</dt>
          <dd data-testid="entropy">
            {entropy(result.posterior.subarray(0, k)).toFixed(3)} <span className="hint">of {Math.log(k).toFixed(2)} nats</span>
          </dd>
        </div>
        <div>
          <dt>bits/dim</dt>
          <dd data-testid="bits-per-dim" data-value={result.bitsPerDim[0]}>
            {result.bitsPerDim[0].toFixed(3)}
          </dd>
        </div>
      </dl>
      <div className={`typicality ${typical?.level ?? 'unknown'}`} data-testid="typicality">
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
      <PosteriorChart bars={bars} highlight={top.classIndex} />
      {k > MAX_BARS && (
        <p className="hint">
          Top {MAX_BARS - 1} of {k} classes; the last bar gathers the rest.
        </p>
      )}
    </Panel>
  );
}
