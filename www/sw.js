// The page offline: a service worker that keeps a copy of the app (its page, scripts, styles, the
// wasm translator, the list of models and their manifests) and hands it out when the network is
// not there. Online every request still goes to the site first (an updated site is used at once);
// the copy is refreshed only when a file changed. Model weights are not touched here: the page
// keeps those itself (model-store.js, Cache API), so a model used once also works offline. It also
// receives what another app shares with the installed app (the manifest's `share_target`).

const CACHE = 'unpaired-app-v1';
/** Files shared with the app, until the page takes them; the manifest's `share_target` action and its file field. */
const SHARED = 'unpaired-shared';
const SHARE_ACTION = 'share';
const SHARE_FIELD = 'media';

/** Everything the page needs to start, fetched when this worker is installed. */
const APP_FILES = [
  './',
  'index.html',
  'style.css',
  'app.js',
  'camera-mode.js',
  'compare.js',
  'cpu-helper.js',
  'cpu-split.js',
  'engine.js',
  'errors.js',
  'folders.js',
  'image-header.js',
  'images.js',
  'kept-models.js',
  'local-model.js',
  'media-codes.js',
  'model-card.js',
  'model-store.js',
  'mp4.js',
  'photo-mode.js',
  'pytorch.js',
  'settings.js',
  'shared-files.js',
  'sound-recorder.js',
  'status.js',
  'storage-list.js',
  'translator-client.js',
  'translator-worker.js',
  'unzip.js',
  'video-frames.js',
  'video-mode.js',
  'video-writer.js',
  'webm.js',
  'yuv.js',
  'zip.js',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'pkg/unpaired.js',
  'pkg/unpaired_bg.wasm',
  'models/index.json',
];

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('unpaired-app-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method === 'POST' && url.href === new URL(SHARE_ACTION, self.registration.scope).href) {
    event.respondWith(receiveShared(request));
    return;
  }
  if (request.method !== 'GET') return;
  if (url.origin !== self.location.origin) return;
  if (url.pathname.endsWith('.bpk')) return; // model weights: the page's own cache keeps them
  event.respondWith(networkFirst(event, request));
});

/**
 * Photos, a video or a model's ZIP shared with the installed app from another one (the Web Share
 * Target API: the manifest's `share_target`, Android's share sheet): kept in a cache of their own
 * and the page opened with "?shared=N", which takes them from there (shared-files.js).
 */
async function receiveShared(request) {
  let files = [];
  try {
    files = (await request.formData()).getAll(SHARE_FIELD).filter((item) => item instanceof File && item.size > 0);
  } catch {
    // not the form the manifest describes: nothing arrived
  }
  await caches.delete(SHARED);
  const cache = await caches.open(SHARED);
  for (const [i, file] of files.entries()) {
    const headers = { 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) };
    await cache.put(new URL(`shared/${i}`, self.registration.scope).href, new Response(file, { headers }));
  }
  return Response.redirect(new URL(`./?shared=${files.length}`, self.registration.scope).href, 303);
}

/** The site's answer, kept for later; the kept copy when the site cannot be reached. */
async function networkFirst(event, request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') event.waitUntil(keep(cache, keyOf(request), response.clone()));
    return response;
  } catch (error) {
    const kept = await cache.match(keyOf(request), { ignoreSearch: true, ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

/** Pages are kept under the site's root, whatever their address says (`?backend=cpu`, `index.html`). */
function keyOf(request) {
  return request.mode === 'navigate' ? new URL('./', self.registration.scope).href : request.url;
}

/** Stores `response` unless the same version is kept already (a 19 MB translator is not rewritten on every visit). */
async function keep(cache, key, response) {
  const kept = await cache.match(key, { ignoreVary: true });
  const version = (r) => [r.headers.get('etag'), r.headers.get('last-modified'), r.headers.get('content-length')].join('|');
  if (kept && version(kept) === version(response) && version(response) !== '||') return;
  await cache.put(key, response);
}

/** Fetches the app's files and the manifests of the models it lists; a file that fails is fetched on first use instead. */
async function precache() {
  const cache = await caches.open(CACHE);
  const scope = self.registration.scope;
  await Promise.all(APP_FILES.map(async (file) => {
    try {
      const response = await fetch(new URL(file, scope), { cache: 'no-cache' });
      if (response.ok) await cache.put(new URL(file, scope).href, response);
    } catch {
      // offline while installing: kept when next fetched
    }
  }));
  try {
    const index = await (await cache.match(new URL('models/index.json', scope).href))?.json();
    for (const entry of index?.models ?? []) {
      if (typeof entry?.path !== 'string') continue;
      const url = new URL(entry.path, new URL('models/index.json', scope));
      const response = await fetch(url, { cache: 'no-cache' });
      if (response.ok) await cache.put(url.href, response);
    }
  } catch {
    // no index, or a manifest that cannot be fetched: the page says so when it is used
  }
}
