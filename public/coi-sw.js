/*
 * Cross-origin isolation for static hosts that cannot send headers (GitHub Pages and the like), after the idea of
 * coi-serviceworker: this service worker re-serves every response of the lab's own scope with
 * Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so the page gets
 * SharedArrayBuffer and tfjs's multithreaded wasm. Registered by coi-register.js only when the page is not isolated
 * already (the dev server, `vite preview` and scripts/serve-static.mjs send the headers themselves).
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  if (new URL(req.url).origin !== self.location.origin) return; // the lab loads nothing else; leave others alone
  event.respondWith(
    fetch(req).then((res) => {
      if (res.status === 0 || res.type === 'opaque') return res;
      const headers = new Headers(res.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }),
  );
});
