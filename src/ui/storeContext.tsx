import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../state/appStore';
import { type PanelClasses, panelClasses } from '../state/panelClasses';

const StoreContext = createContext<AppStore | null>(null);

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext value={store}>{children}</StoreContext>;
}

/** Subscribes a component to one slice of the app state. */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp needs a StoreProvider above it');
  return useStore(store, selector);
}

/** The store itself, for reading the state once in an event handler without subscribing. */
export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore needs a StoreProvider above it');
  return store;
}

/** The classes each panel uses for the current image. */
export function usePanelClasses(): PanelClasses | null {
  const classification = useApp((s) => s.classification);
  const target = useApp((s) => s.view.target);
  const contrast = useApp((s) => s.view.contrast);
  const latent = useApp((s) => s.view.latent);
  const sampleTarget = useApp((s) => s.view.sampling.target);
  return useMemo(
    () => panelClasses(classification, { target, contrast, latent, sampling: { target: sampleTarget } }),
    [classification, target, contrast, latent, sampleTarget],
  );
}
