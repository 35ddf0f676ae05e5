/** Converting a dropped checkpoint into browser storage, and managing the stored models. */
import { fetchClassNames, IMAGENET_LABELS_PATH } from '../worker/conversionClient';
import type { AppEnvironment, AppState, ModelChoice } from './appState';
import { messageOf, storedChoice } from './models';

type Get = () => AppState;
type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

/** The stored models as picker entries; `select` names one to switch to. */
export type StoredModelsChanged = (change: { stored: ModelChoice[]; select: string | null }) => Promise<void>;

export function createConversionActions(get: Get, set: Set, env: AppEnvironment, url: (path: string) => string, changed: StoredModelsChanged) {
  let controller: AbortController | null = null;

  async function storedChoices(): Promise<ModelChoice[]> {
    return (await env.listStoredModels()).map(storedChoice);
  }

  return {
    async convertCheckpoint(file: File): Promise<void> {
      if (controller) {
        set({ error: 'A checkpoint is already being converted: wait for it or cancel it first.' });
        return;
      }
      const current = new AbortController();
      controller = current;
      set({ conversion: { fileName: file.name, progress: null }, error: null });
      try {
        // ImageNet checkpoints name no classes; the labels are used only when there are 1000.
        const names = await fetchClassNames(url(IMAGENET_LABELS_PATH)).catch(() => undefined);
        const stored = await env.convert(file, names, (progress) => set({ conversion: { fileName: file.name, progress } }), current.signal);
        set({ conversion: null });
        await changed({ stored: await storedChoices(), select: stored.id });
      } catch (e) {
        const canceled = (e as { code?: string }).code === 'canceled' || current.signal.aborted;
        set({ conversion: null, error: canceled ? null : messageOf(e) });
      } finally {
        controller = null;
      }
    },

    cancelConversion(): void {
      controller?.abort();
    },

    async deleteStoredModel(id: string): Promise<void> {
      const wasActive = get().model?.entry.id === id;
      try {
        await env.deleteStoredModel(id);
        const first = get().models.find((m) => m.origin === 'bundled');
        await changed({ stored: await storedChoices(), select: wasActive && first ? first.id : null });
      } catch (e) {
        set({ error: `The stored model could not be deleted: ${messageOf(e)}` });
      }
    },
  };
}
