// The service worker caches the app shell only. API answers carry personal data (memos,
// settings, tokens) and are never cached: requests under /api/ are not even intercepted.
const CACHE = "nv-shell-__SHELL_VERSION__";
const SHELL = [
  "/",
  "/manifest.webmanifest",
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/api.js",
  "/static/js/dom.js",
  "/static/js/i18n.js",
  "/static/js/auth.js",
  "/static/js/perform.js",
  "/static/js/memos.js",
  "/static/js/memo_titles.js",
  "/static/js/voice.js",
  "/static/js/settings.js",
  "/static/js/account.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("nv-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return url.origin === self.location.origin && (SHELL.includes(url.pathname) || url.pathname.startsWith("/static/"));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!isShell(url)) return; // the network answers everything else, uncached
  if (request.mode === "navigate" || url.pathname === "/") {
    // The page: network first (a new release shows at once), the cached shell offline.
    event.respondWith(fetch(request).catch(() => caches.match("/")));
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
