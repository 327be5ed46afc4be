// Files shared with the installed app from another app (the gallery's "Share", on Android): the
// service worker (sw.js) keeps them and opens the page with "?shared=N"; the page takes them once.

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
