import type { AppState } from '../state/appState';
import { attackHeadline, bracketWords, formatEpsilon, posteriorShift, typicalityShift } from '../state/attackWords';
import type { Typicality } from '../state/resultView';
import { quotedClass } from '../state/resultWords';
import type { AttackOutcome } from '../worker/protocol';
import { AttackFields } from './AttackFields';
import { formatNats, formatProbability, formatZScore } from './format';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { useApp } from './storeContext';

export function AttackPanel() {
  const classes = useApp((s) => s.model?.spec.classes);
  const view = useApp((s) => s.attackView);
  const runAttack = useApp((s) => s.runAttack);
  const attack = useApp((s) => s.attack);
  const ready = useApp((s) => Boolean(s.classification));
  if (!classes) return null;
  const shown = attack.status === 'done' ? attack.value : attack.status === 'idle' ? null : attack.previous;
  return (
    <Panel id="attack" title="Adversarial probe" exportName="attack" busy={attack.status === 'running'} context={attackContext(classes, view)}>
      <p className="hint">
        Projected gradient descent (PGD) on the model input in pixel units (0–255, after resize and crop), pushing log p(y|x) with the gradient the maps use.
        L∞: each value moves at most ε; L2: the whole perturbation is at most ε long.
      </p>
      <AttackFields testIdPrefix="attack" search />
      <div className="controls">
        <button type="button" className="button" disabled={!ready || attack.status === 'running'} onClick={() => void runAttack()} data-testid="attack-run">
          Run attack
        </button>
        {attack.status === 'running' && <AttackProgress steps={attack.steps} />}
      </div>
      {attack.status === 'failed' && (
        <p className="inline-error" role="alert" data-testid="attack-error">
          {attack.message}
        </p>
      )}
      {shown && <AttackResult outcome={shown} classes={classes} />}
    </Panel>
  );
}

function AttackResult({ outcome, classes }: { outcome: AttackOutcome; classes: string[] }) {
  const under = useApp((s) => s.classification?.input);
  const card = useApp((s) => s.model?.spec.card ?? {});
  const explore = useApp((s) => s.exploreAttacked);
  const { report } = outcome;
  const headline = attackHeadline(report, classes);
  const rows = posteriorShift(report, classes);
  const typical = typicalityShift(report, card);
  return (
    <div
      data-testid="attack-result"
      data-flipped={String(headline.flipped)}
      data-epsilon={report.settings.epsilon}
      data-float-flipped={String(report.float.flipped)}
    >
      <p>
        <span className={headline.flipped ? 'badge warn' : 'badge ok'}>{headline.flipped ? 'decision flipped' : 'decision held'}</span> {headline.text}
      </p>
      <p className="hint">
        Shown and judged: the perturbed image rounded to 8 bits and put back inside the budget and [0, 255] (‖δ‖∞ = {formatEpsilon(report.rounded.linf)}, ‖δ‖₂ ={' '}
        {report.rounded.l2.toFixed(2)}), as it would be saved. {headline.floatText}
      </p>
      <div className="figures">
        {under && (
          <figure>
            <ImageCanvas image={under} size={140} label="the clean model input" />
            <figcaption className="hint">clean</figcaption>
          </figure>
        )}
        <figure>
          <ImageCanvas image={outcome.image} size={140} label="the perturbed model input, 8-bit" testId="attack-image" />
          <figcaption className="hint">perturbed (8-bit)</figcaption>
        </figure>
        <figure>
          <ImageCanvas image={outcome.perturbation} size={140} label="the perturbation, amplified" testId="attack-perturbation" />
          <figcaption className="hint">δ × {outcome.perturbationScale.toPrecision(3)} (gray = unchanged)</figcaption>
        </figure>
        <table className="attack-table" data-testid="attack-posterior">
          <thead>
            <tr>
              <th>class</th>
              <th>p(y|x) clean</th>
              <th>attacked</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.classIndex}>
                <td>{r.label}</td>
                <td>{formatProbability(r.before)}</td>
                <td>{formatProbability(r.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <TypicalityLine label="clean" value={typical.before} logEvidence={report.clean.logEvidence} />
      <TypicalityLine label="attacked" value={typical.after} logEvidence={report.rounded.logEvidence} testId="attack-typicality" />
      {report.search && (
        <p data-testid="attack-min-epsilon" data-lower={report.search.lower} data-upper={report.search.upper ?? ''}>
          {bracketWords(report.search, report.settings.norm)}{' '}
          <span className="hint">
            Bisection on the 8-bit result with the step size kept in proportion to ε; tried{' '}
            {report.search.tried.map((t) => `${formatEpsilon(t.epsilon)}${t.flipped ? ' ✓' : ' ✗'}`).join(', ')}. It assumes a larger ε never flips less, which
            PGD does not guarantee.
          </span>
        </p>
      )}
      <div className="controls">
        <button type="button" className="button secondary" onClick={() => void explore()} data-testid="attack-explore">
          Explore the attacked image
        </button>
        <span className="hint">Makes it the input of every panel (maps, latent editor, link). Computed in {(outcome.elapsedMs / 1000).toFixed(1)} s.</span>
      </div>
    </div>
  );
}

function TypicalityLine({ label, value, logEvidence, testId }: { label: string; value: Typicality | null; logEvidence: number; testId?: string }) {
  return (
    <div className={`typicality ${value?.level ?? 'unknown'}`} data-testid={testId} data-level={value?.level ?? 'unknown'}>
      <strong>{label}</strong>: −log p(x) = {formatNats(-logEvidence)}
      {value ? `, z = ${formatZScore(value.z)} against the training data: ${value.verdict}.` : '; the card has no statistics to judge typicality.'}
    </div>
  );
}

/** Steps done of all, and a way to stop. */
function AttackProgress({ steps }: { steps?: { done: number; total: number } }) {
  const cancelAttack = useApp((s) => s.cancelAttack);
  return (
    <span className="map-progress" data-testid="attack-progress" data-done={steps?.done ?? 0} data-total={steps?.total ?? 0}>
      <progress value={steps?.done} max={steps?.total} aria-label="attack progress" />
      <span className="hint">{steps ? `${steps.done} of ${steps.total} gradient steps` : 'starting…'}</span>
      <button type="button" className="button secondary" onClick={cancelAttack} data-testid="attack-cancel">
        Cancel
      </button>
    </span>
  );
}

/** What the probe's exports say it did. */
function attackContext(classes: string[], view: AppState['attackView']) {
  return {
    classes: view.target === null ? 'away from the predicted class (untargeted)' : `toward ${quotedClass(classes, view.target)}`,
    method: `projected gradient descent (PGD) on the model input, ${view.norm === 'linf' ? 'L∞' : 'L2'} budget`,
  };
}
