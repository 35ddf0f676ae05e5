import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BACKEND_ORDER, type BackendName } from './flow/backendChoice';
import { createAppStore } from './state/appStore';
import { createTrustStore } from './state/trustStore';
import { deleteStoredModel, listStoredModels } from './storage/packageStore';
import { App } from './ui/App';
import { StoreProvider } from './ui/storeContext';
import { TrustProvider } from './ui/trustContext';
import { InferenceClient } from './worker/client';
import { ConversionClient } from './worker/conversionClient';
import './ui/styles.css';

const params = new URLSearchParams(location.search);
// ?backend=wasm forces one backend (tests, and users whose GPU misbehaves).
const forced = params.get('backend');
const backends = BACKEND_ORDER.includes(forced as BackendName) ? [forced as BackendName] : undefined;
// ?wasmThreads=N sets the wasm backend's thread count (default: half of navigator.hardwareConcurrency; 1 = single-threaded).
const wasmThreads = Number(params.get('wasmThreads')) || undefined;

let conversion: ConversionClient | null = null;
const client = new InferenceClient();
const store = createAppStore(client, new URL(import.meta.env.BASE_URL, location.href).href, {
  backends,
  wasmThreads,
  listStoredModels,
  deleteStoredModel,
  convert: (file, defaultClassNames, onProgress, signal) => {
    conversion ??= new ConversionClient();
    return conversion.convert(file, { defaultClassNames }, onProgress, signal);
  },
  fragment: location.hash,
  // After the next paint, in a task of its own: replaceState recalculates the page's style, which would otherwise
  // add to the task that rendered the view the link describes.
  writeFragment: (fragment) => requestAnimationFrame(() => setTimeout(() => history.replaceState(null, '', `#${fragment}`))),
  copyText: (text) => navigator.clipboard.writeText(text),
  pageUrl: location.href,
});

const trust = createTrustStore(client, {
  model: () => {
    const model = store.getState().model;
    return model && { id: model.entry.id, spec: model.spec };
  },
  explore: (file, name) => store.getState().chooseInput(file, name),
  now: () => performance.now(),
});

// A link pasted into this tab's address bar changes only the fragment: open it as a fresh page
// (the app's own fragment updates use replaceState, which fires no hashchange).
window.addEventListener('hashchange', () => location.reload());

// ?debug exposes the store and the worker client to tests and to the console.
if (params.has('debug')) Object.assign(window, { gcLens: { store, client, trust } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <TrustProvider store={trust}>
        <App />
      </TrustProvider>
    </StoreProvider>
  </StrictMode>,
);

void store.getState().start();
