/** The trust report's batch attack: the attack panel's PGD over the report's images, one batch at a time in the worker. */
import type { AttackSettings } from '../explain/attack';
import { type BatchAttackImage, type BatchAttackSummary, batchAttackSummary } from '../explain/attackBatch';
import { type InferenceCalls, SupersededError } from '../worker/client';
import type { TrustImage } from '../worker/protocol';
import { messageOf } from './models';
import type { TrustEnvironment, TrustProgress, TrustState } from './trustStore';
import { trustBatchSize } from './trustStore';

export type TrustAttackStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface TrustAttackState {
  status: TrustAttackStatus;
  settings: AttackSettings | null;
  progress: TrustProgress | null;
  /** One per attacked image, with its index into the selection's files. */
  images: (BatchAttackImage & { file: number })[];
  skipped: { path: string; reason: string }[];
  message: string | null;
}

export const IDLE_ATTACK: TrustAttackState = { status: 'idle', settings: null, progress: null, images: [], skipped: [], message: null };

export type TrustAttackFigures = BatchAttackSummary & { settings: AttackSettings };

/** The batch attack's figures at its settings; typicalityMean: the trust report's m (card or in-distribution folders). */
export function trustAttackSummary(attack: TrustAttackState, typicalityMean: number | null): TrustAttackFigures | null {
  if (!attack.settings || attack.status === 'idle' || attack.status === 'running' || !attack.images.length) return null;
  return { settings: attack.settings, ...batchAttackSummary(attack.images, attack.settings.target, typicalityMean) };
}

type Get = () => TrustState;
type Set = (partial: Partial<TrustState> | ((s: TrustState) => Partial<TrustState>)) => void;

export function createTrustAttack(client: InferenceCalls, env: TrustEnvironment, get: Get, set: Set) {
  let cancelRequested = false;
  let token = 0;
  const update = (change: (a: TrustAttackState) => Partial<TrustAttackState>) => set((s) => ({ attack: { ...s.attack, ...change(s.attack) } }));

  return {
    /** Attacks every image the report classified; what finished stays when it is cancelled or fails. */
    async runAttack(settings: AttackSettings): Promise<void> {
      const { selection, rows, status, attack } = get();
      const model = env.model();
      if (!selection || !model || !rows.length || status === 'running' || attack.status === 'running') return;
      const mine = ++token;
      cancelRequested = false;
      const files = rows.map((r) => r.file);
      const total = files.length;
      const batchSize = trustBatchSize(model.spec.input);
      const started = env.now();
      const progress = (done: number): TrustProgress => ({ done, total, startedAt: started, now: env.now() });
      set({ attack: { ...IDLE_ATTACK, status: 'running', settings, progress: progress(0) } });
      let done = 0;
      try {
        for (let start = 0; start < total && !cancelRequested; start += batchSize) {
          const batch = files.slice(start, start + batchSize);
          const images: TrustImage[] = [];
          const sent: number[] = [];
          const skipped: TrustAttackState['skipped'] = [];
          for (const index of batch) {
            const f = selection.files[index];
            try {
              images.push({ name: f.path, file: await f.read() });
              sent.push(index);
            } catch (e) {
              skipped.push({ path: f.path, reason: messageOf(e) });
            }
          }
          const results = images.length
            ? await client.call('attackBatch', { images, settings }, (steps, all) => {
                if (mine === token) update(() => ({ progress: progress(done + Math.floor((steps / all) * images.length)) }));
              })
            : [];
          if (mine !== token) return;
          const attacked: TrustAttackState['images'] = [];
          for (const [i, r] of results.entries()) {
            if (r.ok) {
              const { ok: _, ...image } = r;
              attacked.push({ ...image, file: sent[i] });
            } else skipped.push({ path: selection.files[sent[i]].path, reason: r.error });
          }
          done += batch.length;
          update((a) => ({ images: [...a.images, ...attacked], skipped: [...a.skipped, ...skipped], progress: progress(done) }));
        }
        if (cancelRequested) update(() => ({ status: 'cancelled', message: stoppedWords('Cancelled', done, total) }));
        else update(() => ({ status: 'done' }));
      } catch (e) {
        if (mine !== token) return;
        if (cancelRequested && e instanceof SupersededError) update(() => ({ status: 'cancelled', message: stoppedWords('Cancelled', done, total) }));
        else {
          const why = e instanceof SupersededError ? 'the model was changed during the attack' : messageOf(e);
          update(() => ({ status: 'failed', message: `${stoppedWords('The attack stopped', done, total)} (${why})` }));
        }
      }
    },

    /** Stops after the running batch is dropped: the worker is told to stop it now. */
    cancelAttack(): void {
      if (get().attack.status !== 'running') return;
      cancelRequested = true;
      void client.call('cancel', { kind: 'attackBatch' }).catch(() => undefined);
    },

    /** A new run or selection: the attack was about the old rows. */
    resetAttack(): void {
      if (get().attack.status === 'running') void client.call('cancel', { kind: 'attackBatch' }).catch(() => undefined);
      token++;
      cancelRequested = true;
      set({ attack: IDLE_ATTACK });
    },
  };
}

function stoppedWords(what: string, done: number, total: number): string {
  return `${what} after ${done.toLocaleString('en')} of ${total.toLocaleString('en')} images: the figures below cover those.`;
}
