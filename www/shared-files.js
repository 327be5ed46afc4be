// Files another app hands to the installed app: shared with it (the gallery's "Share", on
// Android: the service worker, sw.js, keeps them and opens the page with "?shared=N", which takes
// them once), or opened with it from the computer's file manager ("Open with": the manifest's
// `file_handlers`, handed over through `window.launchQueue`).

const SHARED = 'unpaired-shared'; // sw.js's cache of shared files

/**
 * The files shared with the app, in the order shared, taken out of the service worker's cache;
 * null when the page was not opened by a share. The page's address loses its "?shared", so a
 * reload does not take them again.
 */
export async function takeSharedFiles() {
  const address = new URL(location.href);
  if (!address.searchParams.has('shared')) return null;
  address.searchParams.delete('shared');
  history.replaceState(history.state, '', address);
  if (!('caches' in self)) return [];
  const files = [];
  try {
    const cache = await caches.open(SHARED);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response) continue;
      const name = decodeURIComponent(response.headers.get('x-file-name') ?? '') || 'shared';
      const type = response.headers.get('content-type') ?? '';
      files.push(new File([await response.blob()], name, { type: type === 'application/octet-stream' ? '' : type }));
    }
  } finally {
    await caches.delete(SHARED).catch(() => {});
  }
  return files;
}

/**
 * Hands the files the installed app is opened with ("Open with Unpaired" in the file manager) to
 * `take(files, unreadable)`, once per opening; `unreadable`: how many could not be read. Nothing
 * where the browser opens no app with files.
 */
export function takeLaunchedFiles(take) {
  if (!('launchQueue' in window)) return;
  window.launchQueue.setConsumer(async ({ files: handles = [] }) => {
    const files = [];
    let unreadable = 0;
    for (const handle of handles) {
      try {
        files.push(await handle.getFile());
      } catch (error) {
        console.info(`Unpaired: “${handle?.name}”, opened with the app, cannot be read`, error);
        unreadable += 1;
      }
    }
    if (files.length > 0 || unreadable > 0) take(files, unreadable);
  });
}
