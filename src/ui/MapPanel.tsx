import { useEffect, useMemo, useState } from 'react';
import { MAP_METHODS, type MapMethod } from '../explain/mapMethods';
import type { ViewSettings } from '../state/appState';
import { CHECK_RULES, mapClassWords, mapExplanation } from '../state/resultWords';
import type { LikelihoodMap } from '../worker/protocol';
import { ClassSelect } from './ClassSelect';
import { DecimalField } from './DecimalField';
import { formatLogDifference, formatPercent, formatRelativeError } from './format';
import type { Term } from './glossary';
import { Heatmap } from './Heatmap';
import { Help } from './Help';
import { METHOD_DEFINITIONS, METHOD_NAMES } from './mapDefinitions';
import { Panel } from './Panel';
import { divergingScale } from './raster';
import { useApp, usePanelClasses } from './storeContext';

/** The glossary entry of what a map explains. */
const EXPLAINS_TERMS: Record<LikelihoodMap['explains']['kind'], Term> = {
  'logit-difference': 'logitDifference',
  'logit-difference-from-baseline': 'logitDifference',
  'likelihood-from-baseline': 'logLikelihood',
  occlusion: 'occlusion',
};

export function MapPanel() {
  const classes = useApp((s) => s.model?.spec.classes);
  // Not the whole view: a slider step changes it, and this panel's class choosers would be drawn again.
  const settings = useApp((s) => s.view.map);
  const target = useApp((s) => s.view.target);
  const contrast = useApp((s) => s.view.contrast);
  const setMapClasses = useApp((s) => s.setMapClasses);
  const setMap = useApp((s) => s.setMap);
  const map = useApp((s) => s.map);
  const resolved = usePanelClasses()?.map;
  if (!classes) return null;
  const { method } = settings;
  const gradient = method === 'input-gradient' || method === 'integrated-gradients';
  const context = {
    classes: resolved ? mapClassWords(classes, resolved) : 'the predicted class, once an image is classified',
    method: mapMethodWords(settings),
  };

  return (
    <Panel id="map" title="Likelihood maps" exportName="likelihood-map" busy={map.status === 'running'} context={context}>
      <div className="controls">
        <ClassSelect
          label="explain class"
          classes={classes}
          value={target}
          words={{ predicted: 'the predicted class' }}
          onChange={(target) => setMapClasses({ target })}
          testId="map-target"
        />
        <ClassSelect
          label="against"
          classes={classes}
          value={contrast}
          words={{ predicted: 'the most probable other class', mean: 'the mean over classes' }}
          onChange={(contrast) => setMapClasses({ contrast })}
          testId="map-contrast"
        />
      </div>
      <div className="methods" role="radiogroup" aria-label="map method">
        {MAP_METHODS.map((m: MapMethod) => (
          <label key={m} className={m === method ? 'method selected' : 'method'}>
            <input type="radio" name="map-method" value={m} checked={m === method} onChange={() => setMap({ method: m })} data-testid={`map-method-${m}`} />
            {METHOD_NAMES[m]}
          </label>
        ))}
      </div>
      <details className="definition">
        <summary>What is “{METHOD_NAMES[method]}”?</summary>
        <p>{METHOD_DEFINITIONS[method]}</p>
      </details>
      <div className="controls">
        {gradient && (
          <label className="field">
            differentiate
            <select value={settings.objective} onChange={(e) => setMap({ objective: e.target.value as 'likelihood' | 'contrast' })}>
              <option value="likelihood">log p(x | class)</option>
              <option value="contrast">logit difference against the contrast</option>
            </select>
          </label>
        )}
        {method === 'integrated-gradients' && (
          <DecimalField integer label="steps" value={settings.steps} min={1} max={256} onCommit={(steps) => setMap({ steps })} />
        )}
        {method === 'occlusion' && (
          <>
            <DecimalField integer label="patch (px)" value={settings.patch} min={1} max={1024} onCommit={(patch) => setMap({ patch })} />
            <DecimalField integer label="stride (px)" value={settings.stride} min={1} max={1024} onCommit={(stride) => setMap({ stride })} />
          </>
        )}
      </div>
      <MapView />
    </Panel>
  );
}

/** The method and its settings, as exports name them. */
function mapMethodWords({ method, objective, steps, patch, stride, fill }: ViewSettings['map']): string {
  const differentiates = objective === 'likelihood' ? 'of log p(x | class)' : 'of the logit difference against the contrast';
  switch (method) {
    case 'input-gradient':
      return `${METHOD_NAMES[method]} ${differentiates}`;
    case 'integrated-gradients':
      return `${METHOD_NAMES[method]} ${differentiates}, ${steps} steps`;
    case 'occlusion':
      return `${METHOD_NAMES[method]}: ${patch} px patches every ${stride} px, filled with ${fill}`;
    default:
      return METHOD_NAMES[method];
  }
}

function MapView() {
  const map = useApp((s) => s.map);
  const under = useApp((s) => s.classification?.input);
  const classes = useApp((s) => s.model?.spec.classes);
  const shown = map.status === 'done' ? map.value : map.status === 'idle' ? null : map.previous;
  const colors = useMemo(() => shown && divergingScale(shown.values), [shown]);
  const explanation = shown && classes ? mapExplanation(shown, classes) : '';
  return (
    <div className="map-view">
      {map.status === 'failed' && (
        <p className="inline-error" role="alert" data-testid="map-error">
          {map.message}
        </p>
      )}
      {map.status === 'running' && !shown && <p className="hint">Computing the map…</p>}
      {map.status === 'running' && <MapProgress steps={map.steps} />}
      {shown && colors && under && (
        <div className="figures">
          <Heatmap
            values={shown.values}
            width={shown.width}
            height={shown.height}
            colors={colors}
            under={under}
            size={260}
            label={`likelihood map: ${explanation}`}
            legend="red raises, blue lowers it"
            testId="likelihood-map"
          />
          <div className="map-facts" data-testid="map-facts" data-method={shown.request.method}>
            <p>
              <span data-testid="map-explanation">{explanation}</span> <Help term={EXPLAINS_TERMS[shown.explains.kind]} />
            </p>
            {shown.check ? (
              <p data-testid="map-check" data-relative-error={shown.check.relativeError}>
                {CHECK_RULES[shown.check.rule]}: {formatLogDifference(shown.check.total)} vs {formatLogDifference(shown.check.expected)}{' '}
                <span className={shown.check.relativeError < 1e-3 ? 'badge ok' : 'badge warn'}>
                  relative error {formatRelativeError(shown.check.relativeError)}
                </span>{' '}
                <Help term="completeness" />
              </p>
            ) : (
              <p className="hint">Occlusion has no sum rule to check.</p>
            )}
            <p className="hint">
              {shown.width}×{shown.height} cells, computed in {Math.round(shown.elapsedMs)} ms.
            </p>
          </div>
        </div>
      )}
    </div>
  );
}

/** After a second of computing: how far, of how many passes (when the worker says), and a way to stop. */
function MapProgress({ steps }: { steps?: { done: number; total: number } }) {
  const cancelMap = useApp((s) => s.cancelMap);
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 1000);
    return () => clearTimeout(timer);
  }, []);
  if (!slow) return null;
  return (
    <div className="map-progress" data-testid="map-progress" data-done={steps?.done ?? 0} data-total={steps?.total ?? 0}>
      <progress value={steps?.done} max={steps?.total} aria-label="map progress" />
      <span className="hint">
        {steps ? `${formatPercent(steps.done / steps.total, { decimals: 0 })} of ${steps.total} ${steps.total === 1 ? 'pass' : 'passes'}` : 'first pass…'}
      </span>
      <button type="button" className="button secondary" onClick={cancelMap} data-testid="map-cancel">
        Cancel
      </button>
    </div>
  );
}
