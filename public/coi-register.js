/*
 * Registers coi-sw.js (cross-origin isolation headers from a service worker) when the page is not cross-origin
 * isolated and can be: a secure context with service workers. Reloads once when the worker takes control, so the
 * page is served with the headers; ?coi=0 turns it off (the lab then runs wasm on one thread, and says so).
 */
(function () {
  if (window.crossOriginIsolated || !window.isSecureContext || !('serviceWorker' in navigator)) return;
  if (new URLSearchParams(location.search).get('coi') === '0') return;
  var key = 'lab-coi-reloaded';
  navigator.serviceWorker
    .register(new URL('coi-sw.js', document.baseURI).href)
    .then(function () {
      var reload = function () {
        if (sessionStorage.getItem(key)) return; // one try per tab session: never a reload loop
        sessionStorage.setItem(key, '1');
        location.reload();
      };
      if (navigator.serviceWorker.controller) reload();
      else navigator.serviceWorker.addEventListener('controllerchange', reload);
    })
    .catch(function (e) {
      console.warn('cross-origin isolation service worker not registered:', e);
    });
})();
