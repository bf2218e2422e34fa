// Repeat visits start fast: the runtime (Pyodide, its packages, the wheels, Bokeh and Panel's
// files) is kept in the browser's Cache Storage after the first visit. site/build.py fills in
// BUILD (a new build replaces the old cache), PRECACHE (the runtime's files in this folder: fetched
// on install, because the first visit's worker starts before this service worker controls it) and
// CDN (the origins the CDN build loads from; cached as they are used).
const CACHE = "gradplay-/*BUILD*/";
const PRECACHE = /*PRECACHE*/ [];
const CDN = /*CDN*/ [];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((path) => new URL(path, self.location).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("gradplay-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const here = url.origin === self.location.origin;
  if (here && url.pathname.includes("/lab/")) return; // JupyterLite has its own service worker
  if (!here && !CDN.some((prefix) => request.url.startsWith(prefix))) return;
  // Pages and the worker script: the newest when online, the cached copy offline.
  const fresh = request.mode === "navigate" || url.pathname.endsWith(".js") && here && !url.pathname.includes("/pyodide/");
  event.respondWith(fresh ? networkFirst(request) : cacheFirst(request));
});
