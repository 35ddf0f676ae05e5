import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AttackSettings } from '../explain/attack';
import type { ModelSpec } from '../formats/modelSpec';
import { type InferenceCalls, SupersededError } from '../worker/client';
import type { TrustImage } from '../worker/protocol';
import { messageOf } from './models';
import { createTrustAttack, IDLE_ATTACK, type TrustAttackState } from './trustAttack';
import { type FolderRole, selectionFromDrop, selectionFromFiles, type TrustFile, type TrustSelection } from './trustInput';

/** One classified image; its label and role come from its folder, so they can be changed after the run. */
export interface TrustRow {
  /** Index into the selection's files. */
  file: number;
  path: string;
  folder: string;
  predicted: number;
  confidence: number;
  negLogPx: number;
  bitsPerDim: number;
}

export interface TrustProgress {
  done: number;
  total: number;
  startedAt: number;
  /** When the last batch came back. */
  now: number;
}

export type TrustStatus = 'empty' | 'reading' | 'ready' | 'running' | 'done' | 'cancelled' | 'failed';

export interface TrustState {
  selection: TrustSelection | null;
  status: TrustStatus;
  progress: TrustProgress | null;
  rows: TrustRow[];
  /** Files that could not be read as images, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Why the run stopped early or failed, or why the selection could not be read. */
  message: string | null;
  /** The model the rows were computed with. */
  runModel: string | null;
  batchSize: number | null;
  /** The attack panel's PGD over the report's images. */
  attack: TrustAttackState;
  choose(files: readonly File[]): Promise<void>;
  drop(items: DataTransferItemList): Promise<void>;
  setLabel(folder: string, label: number | null): void;
  setRole(folder: string, role: FolderRole): void;
  run(): Promise<void>;
  cancel(): void;
  clear(): void;
  runAttack(settings: AttackSettings): Promise<void>;
  cancelAttack(): void;
  open(row: TrustRow): Promise<void>;
}

export type TrustStore = StoreApi<TrustState>;

interface Pending {
  f: TrustFile;
  index: number;
}

/** About this many input values per batch: 32 MNIST digits, 3 images at 224². */
const BATCH_VALUES = 600_000;
const MAX_BATCH = 32;

/** Images per forward pass, from the model's input size. */
export function trustBatchSize(input: ModelSpec['input']): number {
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_VALUES / (input.channels * input.height * input.width))));
}

export interface TrustEnvironment {
  /** The active model (null while none is loaded). */
  model(): { id: string; spec: ModelSpec } | null;
  /** Opens an image in the explorer. */
  explore(file: Blob, name: string): Promise<void>;
  now(): number;
}

export function createTrustStore(client: InferenceCalls, env: TrustEnvironment): TrustStore {
  let cancelRequested = false;
  let runToken = 0;
  return createStore<TrustState>()((set, get) => {
    const classes = () => env.model()?.spec.classes ?? [];
    const { resetAttack, ...attackActions } = createTrustAttack(client, env, get, set);

    async function select(read: () => Promise<TrustSelection>): Promise<void> {
      if (get().status === 'running') return;
      set({ status: 'reading', message: null });
      try {
        const selection = await read();
        resetAttack();
        set({ selection, status: 'ready', rows: [], skipped: [], progress: null, runModel: null });
      } catch (e) {
        set({ status: get().selection ? 'ready' : 'empty', message: `The selection could not be read: ${messageOf(e)}` });
      }
    }

    const updateFolders = (folder: string, change: (f: TrustSelection['folders'][number]) => TrustSelection['folders'][number]) => {
      const selection = get().selection;
      if (!selection) return;
      set({ selection: { ...selection, folders: selection.folders.map((f) => (f.path === folder ? change(f) : f)) } });
    };

    return {
      selection: null,
      status: 'empty',
      progress: null,
      rows: [],
      skipped: [],
      message: null,
      runModel: null,
      batchSize: null,
      attack: IDLE_ATTACK,
      ...attackActions,
      choose: (files) => select(() => selectionFromFiles(files, classes())),
      drop: (items) => select(() => selectionFromDrop(items, classes())),
      setLabel: (folder, label) => updateFolders(folder, (f) => ({ ...f, label, match: label === null ? 'none' : 'chosen' })),
      setRole: (folder, role) => updateFolders(folder, (f) => ({ ...f, role })),

      async run() {
        const { selection, status } = get();
        const model = env.model();
        if (!selection?.files.length || !model || status === 'running' || status === 'reading') return;
        const token = ++runToken;
        cancelRequested = false;
        const total = selection.files.length;
        const batchSize = trustBatchSize(model.spec.input);
        const started = env.now();
        resetAttack();
        set({
          status: 'running',
          rows: [],
          skipped: [],
          message: null,
          runModel: model.id,
          batchSize,
          progress: { done: 0, total, startedAt: started, now: started },
        });
        let done = 0;
        try {
          for (let start = 0; start < total && !cancelRequested; start += batchSize) {
            const batch: Pending[] = selection.files.slice(start, start + batchSize).map((f, i) => ({ f, index: start + i }));
            const images: TrustImage[] = [];
            const sent: Pending[] = [];
            const skipped: TrustState['skipped'] = [];
            for (const b of batch) {
              try {
                images.push({ name: b.f.path, file: await b.f.read() });
                sent.push(b);
              } catch (e) {
                skipped.push({ path: b.f.path, reason: messageOf(e) });
              }
            }
            const results = images.length ? await client.call('trustBatch', { images }) : [];
            if (token !== runToken) return;
            const rows: TrustRow[] = [];
            for (const [i, r] of results.entries()) {
              const { f, index } = sent[i];
              if (r.ok)
                rows.push({
                  file: index,
                  path: f.path,
                  folder: f.folder,
                  predicted: r.predicted,
                  confidence: r.confidence,
                  negLogPx: r.negLogPx,
                  bitsPerDim: r.bitsPerDim,
                });
              else skipped.push({ path: f.path, reason: r.error });
            }
            done += batch.length;
            set((s) => ({ rows: [...s.rows, ...rows], skipped: [...s.skipped, ...skipped], progress: { done, total, startedAt: started, now: env.now() } }));
          }
          if (cancelRequested)
            set({
              status: 'cancelled',
              message: `Cancelled after ${done.toLocaleString('en')} of ${total.toLocaleString('en')} images: the report below covers those ${done.toLocaleString('en')}.`,
            });
          else set({ status: 'done' });
        } catch (e) {
          if (token !== runToken) return;
          const why = e instanceof SupersededError ? 'the model was changed during the run' : messageOf(e);
          set({
            status: 'failed',
            message: `The run stopped after ${done.toLocaleString('en')} of ${total.toLocaleString('en')} images (${why}); the report below covers those.`,
          });
        }
      },

      cancel() {
        if (get().status === 'running') cancelRequested = true;
      },

      clear() {
        runToken++;
        cancelRequested = true;
        resetAttack();
        set({ selection: null, status: 'empty', progress: null, rows: [], skipped: [], message: null, runModel: null, batchSize: null });
      },

      async open(row) {
        const file = get().selection?.files[row.file];
        if (file) await env.explore(await file.read(), file.name);
      },
    };
  });
}
