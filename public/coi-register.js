// Threaded wasm needs cross-origin isolation. Where the host does not send the headers (see public/_headers),
// public/coi-sw.js adds them: register it and reload once it controls the page; never reload twice in a row.
(() => {
  const key = 'gc-lens:coi-reload';
  if (window.crossOriginIsolated) return sessionStorage.removeItem(key);
  if (!window.isSecureContext || !('serviceWorker' in navigator) || sessionStorage.getItem(key)) return;
  const reload = () => {
    sessionStorage.setItem(key, '1');
    location.reload();
  };
  navigator.serviceWorker.register(new URL('coi-sw.js', document.baseURI)).then(
    () => (navigator.serviceWorker.controller ? reload() : navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true })),
    (e) => console.warn('GC Lens: no cross-origin isolation service worker, wasm runs single-threaded:', e),
  );
})();
