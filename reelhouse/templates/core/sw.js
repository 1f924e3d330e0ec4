// Reelhouse's service worker, hand-written rather than Workbox: it does three small things (keep a tiny app
// shell, show the offline screen when a page cannot load, answer the shell's static files from its cache) in
// about 60 lines with no build step, where Workbox would add an npm bundling step and a runtime larger than the
// shell itself. What it never does matters as much: it never caches pages (they belong to one person and one
// profile; a shared TV must not show the last viewer's rows after signing out), playlists, segments, signed
// stream URLs, download links, tokens, the API, or anything but a GET to this site. (Titles saved in the app live in
// their own cache, written and read by downloads.js, never through this worker.)
"use strict";
const VERSION = "{{ version }}";  // changes with any shell file's content: a new worker, a new cache
const CACHE = "reelhouse-shell-" + VERSION;
const OFFLINE_URL = {{ offline_url|safe }};
const DOWNLOADS_URL = {{ downloads_url|safe }};  // the Downloads page: it opens offline too
const SHELL = new Map({{ shell|safe }});  // URL a page asks for -> the content-hashed URL it is cached under

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll([OFFLINE_URL, DOWNLOADS_URL, ...SHELL.values()]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("reelhouse-shell-") && n !== CACHE)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    // A page's last word as it is left (the player's leaving beacon, a keepalive POST): sent from here, so it is not
    // dropped with the page that is going away.
    if (request.keepalive) event.respondWith(fetch(request));
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: always the network; the offline screen only when it cannot answer at all.
    const fallback = url.pathname === DOWNLOADS_URL ? DOWNLOADS_URL : OFFLINE_URL;
    event.respondWith(fetch(request).catch(() => caches.match(fallback)));
    return;
  }
  const cached = SHELL.get(url.pathname);
  if (cached && !url.search) {
    event.respondWith(caches.match(cached).then((response) => response || fetch(request)));
  }
  // Everything else goes to the network untouched.
});
