import { createContext, type ReactNode, useContext } from 'react';
import { useStore } from 'zustand';
import type { TrustState, TrustStore } from '../state/trustStore';

const TrustContext = createContext<TrustStore | null>(null);

export function TrustProvider({ store, children }: { store: TrustStore; children: ReactNode }) {
  return <TrustContext value={store}>{children}</TrustContext>;
}

/** Subscribes a component to one slice of the trust report's state. */
export function useTrust<T>(selector: (state: TrustState) => T): T {
  const store = useContext(TrustContext);
  if (!store) throw new Error('useTrust needs a TrustProvider above it');
  return useStore(store, selector);
}
