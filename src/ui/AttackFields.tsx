/** The attack's settings (the app's, shared by the attack panel and the trust report's batch attack). */
import { ClassSelect } from './ClassSelect';
import { DecimalField } from './DecimalField';
import { useApp } from './storeContext';

const NO_CLASSES: string[] = [];

/** search: also the ε search's attack count (the single-image probe only). */
export function AttackFields({ testIdPrefix, search = false }: { testIdPrefix: string; search?: boolean }) {
  const classes = useApp((s) => s.model?.spec.classes ?? NO_CLASSES);
  const view = useApp((s) => s.attackView);
  const setAttackView = useApp((s) => s.setAttackView);
  return (
    <div className="controls">
      <ClassSelect
        label="target class"
        classes={classes}
        value={view.target ?? 'untargeted'}
        words={{ untargeted: 'none: move away from the decision' }}
        onChange={(t) => setAttackView({ target: t === 'untargeted' ? null : t })}
        testId={`${testIdPrefix}-target`}
      />
      <label className="field">
        budget
        <select value={view.norm} onChange={(e) => setAttackView({ norm: e.target.value as 'linf' | 'l2' })} data-testid={`${testIdPrefix}-norm`}>
          <option value="linf">L∞ (sign steps)</option>
          <option value="l2">L2 (gradient steps)</option>
        </select>
      </label>
      <DecimalField
        label="ε (pixel units)"
        value={view.epsilon}
        min={0}
        onCommit={(epsilon) => setAttackView({ epsilon })}
        testId={`${testIdPrefix}-epsilon`}
      />
      <DecimalField
        label="steps"
        value={view.steps}
        min={1}
        max={10_000}
        integer
        onCommit={(steps) => setAttackView({ steps })}
        testId={`${testIdPrefix}-steps`}
      />
      <DecimalField
        label="step size (pixel units)"
        value={view.stepSize}
        min={1e-6}
        onCommit={(stepSize) => setAttackView({ stepSize })}
        testId={`${testIdPrefix}-step-size`}
      />
      {search && (
        <DecimalField
          label="ε search attacks"
          value={view.searchAttacks}
          min={0}
          max={64}
          integer
          onCommit={(searchAttacks) => setAttackView({ searchAttacks })}
          testId={`${testIdPrefix}-search`}
        />
      )}
    </div>
  );
}
