import type { ModelCardMetric } from '../formats/modelSpec';
import { formatBytes, formatMetric } from './format';
import { metricTerm } from './glossary';
import { Help } from './Help';
import { useApp } from './storeContext';

/** The loaded model's card: what its authors report, what was measured here, and the caveats. */
export function ModelCard() {
  const model = useApp((s) => s.model);
  if (!model) return null;
  const { spec, entry } = model;
  const caveats = Array.isArray(spec.card.caveats) ? (spec.card.caveats as unknown[]).filter((c): c is string => typeof c === 'string') : [];
  const { channels, height, width } = spec.input;
  const beta = typeof spec.card.beta === 'number' || typeof spec.card.beta === 'string' ? spec.card.beta : null;
  return (
    <details className="model-card" data-testid="model-card">
      <summary>
        <strong>{spec.name}</strong> · {width}×{height}×{channels}, {spec.classes.length} classes, {formatBytes(entry.bytes)},{' '}
        {entry.origin === 'stored' ? 'converted in this browser' : 'bundled'}
        {beta !== null && `, β = ${beta}`}
      </summary>
      {spec.description && <p>{spec.description}</p>}
      {beta !== null && (
        <p>
          Trained with β = {beta} <Help term="beta" />
        </p>
      )}
      <Metrics title="Reported" metrics={spec.card.reported} empty="Nothing reported." />
      <Metrics title="Measured" metrics={spec.card.measured} empty="Nothing measured yet." />
      {caveats.length > 0 && (
        <div className="caveats">
          <h4>Caveats</h4>
          <ul>
            {caveats.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
      )}
      <p className="hint">Source: {spec.provenance.source}</p>
    </details>
  );
}

function Metrics({ title, metrics, empty }: { title: string; metrics: ModelCardMetric[]; empty: string }) {
  return (
    <div>
      <h4>{title}</h4>
      {metrics.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <ul>
          {metrics.map((m) => {
            const term = metricTerm(m.name);
            return (
              <li key={`${m.name}-${m.source}`} data-metric={m.name} data-value={m.value}>
                {m.name}
                {term && (
                  <>
                    {' '}
                    <Help term={term} />
                  </>
                )}
                : <strong className="metric-value">{formatMetric(m.value, m.unit, term)}</strong> <span className="hint">({m.source})</span>
                {m.definition && (
                  <details className="metric-definition">
                    <summary>how it was measured</summary>
                    {m.definition}
                  </details>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
