// Service worker of the totem player: the page and its assets and the last manifest
// come from the network when it answers and from Cache Storage when it does not;
// media files (immutable) come from the cache first. The event stream, heartbeats
// and proof of play always go to the network.
const VERSION = "__VERSION__";
const SHELL_CACHE = "signage-shell-" + VERSION;
const DATA_CACHE = "signage-data";
const MEDIA_CACHE = "signage-media";
const PRECACHE = __PRECACHE__;
const MANIFEST_PATH = "/api/v1/signage/player/manifest";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("signage-shell-") && name !== SHELL_CACHE)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

// A page that loaded while this worker was activating asks to be claimed (player.js).
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

async function networkFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.status === 200) await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(key, { ignoreVary: true });
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(MEDIA_CACHE);
  const hit = await cache.match(request.url, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/media/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === MANIFEST_PATH) {
    event.respondWith(networkFirst(request, DATA_CACHE, MANIFEST_PATH));
  } else if (request.mode === "navigate" || PRECACHE.includes(url.pathname)) {
    event.respondWith(networkFirst(request, SHELL_CACHE, url.pathname));
  }
});
