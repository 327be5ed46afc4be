// The models this site offers (`models/index.json`) and their files: downloaded with progress,
// kept in the Cache API so a reload does not download them again.
//
// index.json: { "default": "<name>", "models": [{ "name", "path", "domain_a", "domain_b",
// "directions" }, …] } — `path` (the model's manifest.json) is relative to index.json;
// `default` names the model preselected for a first visit (else the first one is).

import { FriendlyError } from './errors.js';

const CACHE_NAME = 'unpaired-models-v1';
/** A model's two directions, as its manifest names their weights. */
export const DIRECTIONS = ['a_to_b', 'b_to_a'];

/** Reads the list of models. A missing index means no model is installed. */
export async function loadIndex(url = 'models/index.json') {
  const indexUrl = new URL(url, location.href);
  let response;
  try {
    response = await fetch(indexUrl, { cache: 'no-cache' });
  } catch (error) {
    throw new FriendlyError('index', 'The list of models could not be downloaded. Check that the site is still running, then reload the page.', error);
  }
  if (response.status === 404) return { models: [], defaultName: null };
  if (!response.ok) {
    throw new FriendlyError('index', 'The list of models could not be downloaded. Reload the page to try again.',
      new Error(`HTTP ${response.status} ${response.statusText} for ${indexUrl}`));
  }
  let json;
  try {
    json = await response.json();
  } catch (error) {
    throw new FriendlyError('index', 'The list of models on this site is damaged.', error);
  }
  const models = (Array.isArray(json?.models) ? json.models : [])
    .filter((entry) => entry && typeof entry.path === 'string')
    .map((entry) => ({
      ...entry,
      name: typeof entry.name === 'string' ? entry.name : entry.path,
      manifestUrl: new URL(entry.path, indexUrl).href,
    }));
  return { models, defaultName: typeof json?.default === 'string' ? json.default : null };
}

/** The model to start with: the one asked for (saved or in the address), else the index's default, else the first. */
export function chooseModel(index, wanted) {
  const named = (name) => index.models.find((entry) => entry.name === name);
  return (wanted && named(wanted)) || (index.defaultName && named(index.defaultName)) || index.models[0] || null;
}

/** A label for the model picker: "horse2zebra (horse ↔ zebra)". */
export function modelLabel(entry) {
  return entry.domain_a && entry.domain_b ? `${entry.name} (${entry.domain_a} ↔ ${entry.domain_b})` : entry.name;
}

async function openCache() {
  try {
    return globalThis.caches ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // no Cache API here (an insecure origin, some private modes): download every time
  }
}

/** Cache key of one weights file: its address plus its checksum, so a changed model is downloaded again. */
function cacheKey(url, sha256) {
  const key = new URL(url);
  key.searchParams.set('sha256', sha256);
  return key.href;
}

/**
 * Downloads a model's manifest and weights (from the cache when they are there).
 * `onProgress(loaded, total)` reports the bytes that really come over the network;
 * `check(manifestText)` runs before any weights are fetched (a rejection stops the download).
 * A weights file larger than the manifest says is not read past that size.
 * Resolves to `{ manifestText, manifest, files: { a_to_b, b_to_a }, downloaded }` with each
 * file as an ArrayBuffer (or null where the model has no such direction).
 */
export async function downloadModel(entry, onProgress = () => {}, check = async () => {}) {
  const manifestText = await fetchModelFile(entry, entry.manifestUrl, (response) => response.text());
  await check(manifestText);
  let manifest;
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    throw new FriendlyError('model-load', `The model “${entry.name}” is damaged: its description cannot be read.`, error);
  }
  const cache = await openCache();
  const files = { a_to_b: null, b_to_a: null };
  const missing = [];
  for (const direction of DIRECTIONS) {
    const file = manifest[direction];
    if (!file?.file) continue;
    const url = new URL(file.file, entry.manifestUrl).href;
    const key = cacheKey(url, file.sha256);
    const cached = await cache?.match(key);
    if (cached) {
      const bytes = await cached.arrayBuffer();
      if (bytes.byteLength === file.bytes) {
        files[direction] = bytes;
        continue;
      }
    }
    missing.push({ direction, url, key, bytes: file.bytes || 0 });
  }
  const total = missing.reduce((sum, file) => sum + file.bytes, 0);
  let done = 0;
  for (const file of missing) {
    files[file.direction] = await fetchModelFile(entry, file.url, (response) =>
      readWithProgress(response, (bytes) => onProgress(done + bytes, total), file.bytes || Infinity));
    done += file.bytes;
    onProgress(done, total);
  }
  if (cache) await remember(cache, missing, files);
  return { manifestText, manifest, files, downloaded: total };
}

/** Forgets a model's cached files (after they turned out damaged), so the next load downloads them. */
export async function forgetModel(entry, manifest) {
  const cache = await openCache();
  if (!cache || !manifest) return;
  for (const direction of DIRECTIONS) {
    const file = manifest[direction];
    if (file?.file) await cache.delete(cacheKey(new URL(file.file, entry.manifestUrl).href, file.sha256));
  }
}

/**
 * The cached weights files of each of the site's models (`entries`): those under its manifest's
 * folder, and not under another's deeper one.
 */
async function cachedFiles(cache, entries) {
  const folders = entries.map((entry) => new URL('./', entry.manifestUrl).href);
  const owned = new Map(entries.map((entry) => [entry, []]));
  for (const request of await cache.keys()) {
    let owner = -1;
    folders.forEach((folder, i) => {
      if (request.url.startsWith(folder) && (owner < 0 || folder.length > folders[owner].length)) owner = i;
    });
    if (owner >= 0) owned.get(entries[owner]).push(request);
  }
  return owned;
}

/**
 * The site's models (`entries`) whose weights this browser keeps (downloaded once), as
 * `{ entry, bytes }` in the order of `entries`; none where there is no cache.
 */
export async function downloadedModels(entries) {
  const cache = await openCache();
  if (!cache) return [];
  const stored = [];
  for (const [entry, requests] of await cachedFiles(cache, entries)) {
    let bytes = 0;
    for (const request of requests) bytes += await cachedSize(cache, request);
    if (bytes > 0) stored.push({ entry, bytes });
  }
  return stored;
}

/** The size of a cached file: its recorded length, else (cached before lengths were kept) its body's. */
async function cachedSize(cache, request) {
  const response = await cache.match(request);
  const length = Number(response?.headers.get('content-length'));
  return length > 0 ? length : (await response?.blob())?.size ?? 0;
}

/** Deletes the weights this browser keeps of `entry`, one of the site's `entries`: it is downloaded again when next used. */
export async function forgetDownloaded(entry, entries) {
  const cache = await openCache();
  if (!cache) return;
  for (const request of (await cachedFiles(cache, entries)).get(entry) ?? []) await cache.delete(request);
}

async function remember(cache, stored, files) {
  for (const { direction, url, key } of stored) {
    try {
      // new Response copies the bytes, so the buffer can still be handed to the translator. Its
      // length is kept with it, so "Stored in this browser" need not read the weights to size them.
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(files[direction].byteLength) };
      await cache.put(key, new Response(files[direction], { headers }));
      for (const old of await cache.keys()) {
        const oldUrl = new URL(old.url);
        oldUrl.searchParams.delete('sha256');
        if (oldUrl.href === url && old.url !== key) await cache.delete(old);
      }
    } catch (error) {
      console.info('Unpaired: could not cache a model file (it will be downloaded again next time)', error);
    }
  }
}

async function fetchModelFile(entry, url, read) {
  let response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch (error) {
    throw new FriendlyError('model-load', `The model “${entry.name}” could not be downloaded. Check that the site is still running, then reload the page.`, error);
  }
  if (!response.ok) {
    throw new FriendlyError('model-load', `The model “${entry.name}” could not be downloaded: the site does not have all of its files.`,
      new Error(`HTTP ${response.status} ${response.statusText} for ${url}`));
  }
  try {
    return await read(response);
  } catch (error) {
    if (error instanceof TooLarge) {
      throw new FriendlyError('model-load', `The model “${entry.name}” could not be loaded: a file of it is larger than its description says, so its files do not belong together. Choose another model.`, error);
    }
    throw new FriendlyError('model-load', `The download of the model “${entry.name}” was interrupted. Reload the page to try again.`, error);
  }
}

/** A download that went past the size its manifest gives. */
class TooLarge extends Error {
  constructor(url, limit) {
    super(`${url} is larger than the ${limit} bytes its manifest gives`);
    this.name = 'TooLarge';
  }
}

/**
 * The body as one ArrayBuffer, reporting the bytes received at most every 100 ms; fails with
 * `TooLarge` (without reading on) once it is past `limit` bytes.
 */
async function readWithProgress(response, onBytes, limit = Infinity) {
  if (Number(response.headers.get('content-length')) > limit) {
    response.body?.cancel().catch(() => {});
    throw new TooLarge(response.url, limit);
  }
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  let reported = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    if (received > limit) {
      reader.cancel().catch(() => {});
      throw new TooLarge(response.url, limit);
    }
    const now = performance.now();
    if (now - reported > 100) {
      reported = now;
      onBytes(received);
    }
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  onBytes(received);
  return out.buffer;
}
