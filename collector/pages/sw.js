/* sw.js -- the service worker of the residents' form: keeps the form page (which carries its scripts, style,
 * definition, territories and its own words from forms/pages.json) so that it opens offline, in every language. Pages are fetched from the network first, so a new form version reaches
 * phones, and from the cache when the network fails or is too slow. Answers are never cached here: the page
 * keeps them in IndexedDB until the collector acknowledges them. */
'use strict';
var CACHE = 'diagsante-pages-v1';
var TIMEOUT_MS = 4000;

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The cache key of a page ignores its query (?t=…&lang=…): one copy serves every campaign link. */
function keyOf(url) { var u = new URL(url); return u.origin + u.pathname; }

self.addEventListener('fetch', function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.indexOf('/f/') !== 0) return;
  e.respondWith(caches.open(CACHE).then(function (cache) {
    var fromNet = fetch(req).then(function (res) {
      if (res.ok) cache.put(keyOf(req.url), res.clone());
      return res;
    });
    var timeout = new Promise(function (ok) { setTimeout(ok, TIMEOUT_MS); });
    return Promise.race([fromNet.catch(function () { return null; }), timeout]).then(function (res) {
      if (res) return res;
      return cache.match(keyOf(req.url)).then(function (hit) { return hit || fromNet; });
    });
  }));
});
