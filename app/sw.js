// The service worker: keeps the app shell (HTML, JS, wasm, CSS, icons) so the app opens with no
// network at all after its first visit. Data never goes through here: records live in IndexedDB
// and /api/ always goes to the network, as does the public page (/cong-khai).
//
// scripts/trunk-post-build.sh fills in the two placeholders at build time from the files Trunk
// produced; this template is never served as it is.
const VERSION = "__DVK_VERSION__";
const PRECACHE = __DVK_PRECACHE__;
const CACHE = `dvk-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // "reload" skips the HTTP cache so the shell cached here is the one just deployed.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith("dvk-shell-") && key !== CACHE).map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The API and the public page (/cong-khai, plain HTML for anyone) are never the app's shell.
  if (
    url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") ||
    url.pathname === "/cong-khai" ||
    url.pathname.startsWith("/cong-khai/")
  )
    return;
  if (request.mode === "navigate") {
    // Every client route is the same single page: answer it with the cached shell.
    event.respondWith(
      caches.match("/index.html", { cacheName: CACHE }).then((cached) => cached || fetch(request)),
    );
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((cached) => cached || fetch(request)));
});
