/** The trust report's batch attack: the attack panel's settings, run over the report's images, and its two figures. */
import { attackSettings } from '../state/attackActions';
import { formatEpsilon } from '../state/attackWords';
import type { TrustAttackFigures } from '../state/trustAttack';
import { AttackFields } from './AttackFields';
import { formatPercent, formatRatio } from './format';
import { useApp } from './storeContext';
import { Metric, ProgressLine } from './TrustParts';
import { useTrust } from './trustContext';

const NORM_NAMES = { linf: 'L∞', l2: 'L2' } as const;

export function TrustAttack({ figures, images }: { figures: TrustAttackFigures | null; images: number }) {
  const view = useApp((s) => s.attackView);
  const classes = useApp((s) => s.model?.spec.classes.length ?? 0);
  const attack = useTrust((s) => s.attack);
  const runAttack = useTrust((s) => s.runAttack);
  const cancelAttack = useTrust((s) => s.cancelAttack);
  const trustRunning = useTrust((s) => s.status === 'running');
  const running = attack.status === 'running';
  return (
    <section className="trust-attack" data-testid="trust-attack" aria-label="batch attack">
      <h3>Adversarial probe over these images</h3>
      <p className="hint">
        The attack panel's PGD (same settings, shared with it) on each of the {images.toLocaleString('en')} images, judged after rounding to 8 bits: how often
        it moves the decision, and whether the typicality score |−log p(x) − m| tells attacked images from clean ones.
      </p>
      <AttackFields testIdPrefix="trust-attack" />
      <div className="trust-buttons">
        <button
          type="button"
          className="button"
          data-testid="trust-attack-run"
          disabled={running || trustRunning || images === 0}
          onClick={() => void runAttack(attackSettings(view, classes))}
        >
          {attack.status === 'idle' ? 'Attack every image' : 'Attack again'}
        </button>
        {running && (
          <button type="button" className="button secondary" data-testid="trust-attack-cancel" onClick={cancelAttack}>
            Cancel (keeps what finished)
          </button>
        )}
      </div>
      {attack.progress && <ProgressLine progress={attack.progress} running={running} batchSize={null} testId="trust-attack-progress" />}
      {attack.message && (
        <p className={attack.status === 'failed' ? 'inline-error' : 'notice'} data-testid="trust-attack-message">
          {attack.message}
        </p>
      )}
      {attack.skipped.length > 0 && (
        <p className="hint" data-testid="trust-attack-skipped" data-count={attack.skipped.length}>
          {attack.skipped.length.toLocaleString('en')} image{attack.skipped.length === 1 ? '' : 's'} could not be read again and{' '}
          {attack.skipped.length === 1 ? 'was' : 'were'} left out:{' '}
          {attack.skipped
            .slice(0, 5)
            .map((s) => s.path)
            .join(', ')}
          {attack.skipped.length > 5 ? ', …' : ''}.
        </p>
      )}
      {figures && (
        <>
          <p className="hint">
            {NORM_NAMES[figures.settings.norm]} ε = {formatEpsilon(figures.settings.epsilon)} pixel units, {figures.settings.steps} steps of{' '}
            {formatEpsilon(figures.settings.stepSize)}, {figures.settings.target === null ? 'untargeted' : `toward class ${figures.settings.target}`}.
          </p>
          <dl className="summary">
            <Metric
              testId="trust-attack-success"
              label={`attack success rate (${figures.attacked.toLocaleString('en')} attacked)`}
              value={figures.successRate}
              format={(v) => formatPercent(v)}
              empty="every image already had the target class"
            />
            <Metric
              testId="trust-attack-auroc"
              label="typicality AUROC, clean against attacked"
              value={figures.typicalityAuroc}
              format={formatRatio}
              empty="no typicality mean: the card has no statistics and no folder is marked in-distribution"
            />
          </dl>
        </>
      )}
    </section>
  );
}
