import { useMemo } from 'react';
import { posteriorBars, rankedClasses } from '../state/resultView';
import { formatProbability } from './format';
import { PosteriorChart } from './PosteriorChart';
import { useApp } from './storeContext';

const MAX_BARS = 12;
const TOP_CLASSES = 5;

export function ResultPanel() {
  const result = useApp((s) => s.result);
  const classes = useApp((s) => s.model?.spec.classes);
  const classifying = useApp((s) => s.classifying);
  const ranked = useMemo(() => (result && classes ? rankedClasses(result, classes) : null), [result, classes]);
  const bars = useMemo(() => ranked && posteriorBars(ranked, MAX_BARS), [ranked]);

  if (!result || !ranked || !bars)
    return (
      <section className="panel">
        <h2>Result</h2>
        <p className="hint">{classifying ? 'Classifying…' : 'Choose an input to see p(y|x), log p(x|y) and bits/dim.'}</p>
      </section>
    );

  const top = ranked[0];
  return (
    <section className="panel" aria-busy={classifying}>
      <h2>Result {classifying && <span className="hint">updating…</span>}</h2>
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
          <dt>bits/dim</dt>
          <dd data-testid="bits-per-dim" data-value={result.bitsPerDim[0]}>
            {result.bitsPerDim[0].toFixed(3)}
          </dd>
        </div>
      </dl>
      <h3>Posterior p(y|x)</h3>
      <PosteriorChart bars={bars} />
      <h3>Top classes</h3>
      <table className="top-classes" data-testid="top-classes">
        <thead>
          <tr>
            <th>class</th>
            <th>p(y|x)</th>
            <th>log p(x|y) [nats]</th>
          </tr>
        </thead>
        <tbody>
          {ranked.slice(0, TOP_CLASSES).map((c) => (
            <tr key={c.classIndex}>
              <td>{c.label}</td>
              <td>{formatProbability(c.probability)}</td>
              <td>{c.logLikelihood.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
