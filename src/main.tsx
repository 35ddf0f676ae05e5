import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStore } from './state/appStore';
import { App } from './ui/App';
import { StoreProvider } from './ui/storeContext';
import { InferenceClient } from './worker/client';
import './ui/styles.css';

const store = createAppStore(new InferenceClient(), new URL(import.meta.env.BASE_URL, location.href).href);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

void store.getState().start();
