/*
 * GC Lens: cross-origin isolation for static hosts that cannot send response headers (GitHub Pages, plain buckets).
 * index.html registers this service worker when the page is not cross-origin isolated and reloads once; from then
 * on the worker re-serves each same-origin response with the isolation headers, so SharedArrayBuffer exists and
 * the wasm backend runs threaded. Hosts that can send headers should (see public/_headers, vite.config.ts):
 * then this worker is never registered. Cross-origin requests pass through untouched.
 */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  // A request Chromium may send from DevTools that fetch() refuses.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      // Opaque and redirect responses cannot be rebuilt; they carry no page or worker script anyway.
      if (response.status === 0 || response.type === 'opaqueredirect') return response;
      const headers = new Headers(response.headers);
      for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
