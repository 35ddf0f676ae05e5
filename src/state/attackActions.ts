/** The adversarial probe's state actions: run an attack on the current image, follow its progress, cancel it. */
import type { AttackSettings } from '../explain/attack';
import { type InferenceCalls, SupersededError } from '../worker/client';
import type { AppState, AttackView } from './appState';
import { messageOf } from './models';

type Get = () => AppState;
type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

/** Budgets of a similar strength in pixel units: 8/255 per value, or 400/255 over the image (MNIST-sized). */
const NORM_DEFAULTS = { linf: { epsilon: 8, stepSize: 2 }, l2: { epsilon: 400, stepSize: 100 } } as const;

/** A norm switch brings that norm's default budget, unless the user changed the budget. */
export function changeAttackView(view: AttackView, change: Partial<AttackView>): AttackView {
  const next = { ...view, ...change };
  const untouched = view.epsilon === NORM_DEFAULTS[view.norm].epsilon && view.stepSize === NORM_DEFAULTS[view.norm].stepSize;
  if (change.norm && change.norm !== view.norm && untouched) Object.assign(next, NORM_DEFAULTS[change.norm]);
  return next;
}

/** The settings as the worker takes them; the target is dropped when the model has fewer classes. */
export function attackSettings(view: AttackView, classes: number): AttackSettings {
  const { target, norm, epsilon, steps, stepSize } = view;
  return { target: target !== null && target < classes ? target : null, norm, epsilon, steps, stepSize };
}

export function createAttackActions(client: InferenceCalls, get: Get, set: Set, onViewChanged: () => void) {
  // Only the newest attack on the newest image may update what is shown.
  let ticket = 0;

  async function runAttack(): Promise<void> {
    const s = get();
    if (!s.classification || !s.model) return;
    const mine = ++ticket;
    const settings = attackSettings(s.attackView, s.model.spec.classes.length);
    const previous = s.attack.status === 'done' ? s.attack.value : null;
    set({ attack: { status: 'running', previous } });
    try {
      const value = await client.call('attack', { settings, searchAttacks: s.attackView.searchAttacks }, (done, total) =>
        set((st) => (mine === ticket && st.attack.status === 'running' ? { attack: { ...st.attack, steps: { done, total } } } : {})),
      );
      if (mine === ticket) set({ attack: { status: 'done', value } });
    } catch (e) {
      if (mine !== ticket || e instanceof SupersededError) return;
      set({ attack: { status: 'failed', message: messageOf(e), previous } });
    }
  }

  return {
    runAttack,
    /** The running attack stops; the previous result (if any) stays. */
    cancelAttack(): void {
      const s = get();
      if (s.attack.status !== 'running') return;
      ticket++;
      void client.call('cancel', { kind: 'attack' }).catch(() => undefined);
      set({ attack: s.attack.previous ? { status: 'done', value: s.attack.previous } : { status: 'idle' } });
    },
    setAttackView(change: Partial<AttackView>): void {
      set((s) => ({ attackView: changeAttackView(s.attackView, change) }));
      onViewChanged();
    },
    /** A new image or model: the attack shown was about the old one. */
    invalidate(): void {
      ticket++;
      set({ attack: { status: 'idle' } });
    },
  };
}
