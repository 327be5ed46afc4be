// Models opened from this computer, kept in this browser (IndexedDB) so that they are still in the
// model list after a reload, even when their folder has been moved. The browser stores a copy of
// the model's files (manifest, weights, card and the pictures the card shows); nothing leaves the
// machine. One copy is kept per model name: opening a model again replaces it. Where the browser
// keeps nothing (storage turned off, full), the page works as before and says so.

import { FriendlyError } from './errors.js';
import { inFolder, localEntry } from './local-model.js';
import { DIRECTIONS } from './model-store.js';
import { renderMarkdown } from './model-card.js';

const DATABASE = 'unpaired-kept-models';
const STORE = 'models';

/** The database, made on first use; fails where the browser offers no IndexedDB. */
function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'name' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the model storage is in use by an older copy of this page'));
  });
}

/** Runs `work(store)` in one transaction; resolves to its request's result once the transaction is done. */
async function withStore(mode, work) {
  const db = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onabort = () => reject(transaction.error ?? new Error('the transaction was aborted'));
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

/**
 * The models kept in this browser, as entries for the model list (like `readLocalModel`'s, with
 * `local.kept` set), oldest first. A record that cannot be read is left out; no storage, no models.
 */
export async function keptModels() {
  let records;
  try {
    records = await withStore('readonly', (store) => store.getAll());
  } catch (error) {
    console.info('Unpaired: the models kept in this browser cannot be read', error);
    return [];
  }
  const entries = [];
  for (const record of records.sort((a, b) => a.keptAt - b.keptAt)) {
    try {
      entries.push(await entryOf(record));
    } catch (error) {
      console.info(`Unpaired: the kept model “${record?.name}” is damaged and is left out`, error);
    }
  }
  return entries;
}

async function entryOf(record) {
  const pictures = new Map(Object.entries(record.pictures ?? {}));
  const entry = await localEntry({
    name: record.name,
    folder: record.folder,
    manifestText: record.manifestText,
    manifest: JSON.parse(record.manifestText),
    weights: Object.fromEntries(DIRECTIONS.map((direction) => [direction, record.weights?.[direction] ?? null])),
    card: record.card ?? null,
    fileAt: (path) => pictures.get(path),
  });
  entry.local.kept = true;
  entry.local.keptAt = record.keptAt;
  entry.local.keptBytes = recordBytes(record);
  return entry;
}

/** The bytes a kept model takes: its weights, card and pictures (the manifest is left out: a few hundred bytes). */
function recordBytes(record) {
  const blobs = [...Object.values(record.weights ?? {}), record.card, ...Object.values(record.pictures ?? {})];
  return blobs.reduce((sum, blob) => sum + (blob?.size ?? 0), 0);
}

/**
 * Keeps a copy of `entry` (a model opened from this computer) in this browser, replacing any kept
 * model of the same name, and notes when (`local.keptAt`) and its size (`local.keptBytes`). Fails
 * with a FriendlyError that says why nothing was kept.
 */
export async function keepModel(entry) {
  const { folder, manifestText, weights, card, fileAt } = entry.local;
  try {
    const pictures = {};
    for (const path of card ? cardPictures(await card.text()) : []) {
      const file = fileAt(path);
      if (file) pictures[path] = await copyOf(file);
    }
    const record = {
      name: entry.name,
      folder,
      manifestText,
      weights: {},
      card: card ? await copyOf(card) : null,
      pictures,
      keptAt: Date.now(),
    };
    for (const direction of DIRECTIONS) record.weights[direction] = weights[direction] ? await copyOf(weights[direction]) : null;
    await withStore('readwrite', (store) => store.put(record));
    entry.local.keptAt = record.keptAt;
    entry.local.keptBytes = recordBytes(record);
  } catch (error) {
    const full = error?.name === 'QuotaExceededError';
    throw new FriendlyError('keep-model',
      full
        ? `This browser has no room to keep “${entry.name}” for your next visit: open it again then, or make room by forgetting another model under “Stored in this browser”.`
        : `This browser could not keep “${entry.name}” for your next visit: open it again then.`,
      error);
  }
}

/**
 * The bytes of a picked file as a Blob of their own: Chromium stores a picked File in IndexedDB as
 * a reference to the file on disk, which cannot be read once that file has moved.
 */
async function copyOf(file) {
  return new Blob([await file.arrayBuffer()], { type: file.type });
}

/**
 * Asks the browser to keep this site's storage when space runs low: unless asked, it may clear a
 * site's data then, kept models included. Resolves to whether it will keep it (Chromium decides
 * by itself, Firefox asks the person; a browser without the request: false).
 */
export async function keepStorage() {
  try {
    return Boolean((await navigator.storage?.persisted?.()) || (await navigator.storage?.persist?.()));
  } catch {
    return false;
  }
}

/** Forgets the kept copy of the model named `name` (the files on the computer are not touched). */
export async function forgetKept(name) {
  await withStore('readwrite', (store) => store.delete(name));
}

/** The paths of the pictures and links a card names, relative ones only, as `fileAt` takes them. */
function cardPictures(text) {
  const paths = new Set();
  renderMarkdown(text, (path) => {
    const relative = inFolder(path);
    if (!/^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(relative)) paths.add(relative);
    return null;
  });
  return [...paths];
}
