import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../state/appStore';
import { type ResolvedClasses, resolveClasses } from '../state/resultView';

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

/** The explained class, its contrast and the "toward" class for the current image. */
export function useResolvedClasses(): ResolvedClasses | null {
  const classification = useApp((s) => s.classification);
  const target = useApp((s) => s.view.target);
  const contrast = useApp((s) => s.view.contrast);
  return useMemo(
    () => (classification ? resolveClasses(classification.result.posterior.subarray(0, classification.result.classes), target, contrast) : null),
    [classification, target, contrast],
  );
}
