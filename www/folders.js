// Folders of photos: dropped on the page (walked through the File and Directory Entries API) or
// chosen with the folder picker (`webkitdirectory`). Every level is read, in name order; files that
// are not pictures (a .DS_Store, notes, videos) are left out and counted rather than reported one
// by one, since the person chose the folder, not them.

/** Extensions of pictures, for files whose type the browser leaves empty. */
const PICTURE_EXTENSIONS = /\.(jpe?g|png|gif|webp|bmp|avif|heic|heif|tiff?|ico)$/i;

/** Where a picked file sits in the chosen folder ("trip/day 2/a.jpg"), or its name. */
export const pathOf = (file) => file.webkitRelativePath || file.name;

/** Whether a file found in a folder is a picture worth trying (hidden files, such as macOS's "._" copies, are not). */
export function isPicture(file) {
  if (file.name.startsWith('.')) return false;
  return file.type ? file.type.startsWith('image/') : PICTURE_EXTENSIONS.test(file.name);
}

/**
 * The pictures among the files `found` (each with the `path` to sort by: its place in the
 * folder) in path order, and how many others were left out.
 * @param {{ file: File, path: string }[]} found
 */
export function picturesOf(found) {
  const pictures = found.filter(({ file }) => isPicture(file));
  pictures.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
  return { files: pictures.map(({ file }) => file), skipped: found.length - pictures.length };
}

/**
 * What a drop holds, read at once (a DataTransfer is emptied once its event is over): its files,
 * and its folders as entries to walk. Null when nothing dropped is a folder (plain files as before).
 */
export function droppedFolders(dataTransfer) {
  const items = [...(dataTransfer?.items ?? [])].filter((item) => item.kind === 'file');
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  if (!entries.some((entry) => entry?.isDirectory)) return null;
  // A dropped file whose entry cannot be had is kept as the file itself.
  return items.map((item, i) => entries[i] ?? item.getAsFile()).filter(Boolean);
}

/**
 * Walks entries (FileSystemEntry objects, or plain Files) and returns the pictures in them, and
 * how many files were left out (not pictures, or unreadable).
 * @returns {Promise<{ files: File[], skipped: number, folders: string[] }>}
 */
export async function picturesInEntries(entries) {
  return picturesAmong(await filesInEntries(entries));
}

/** The pictures among what `filesInEntries` found, and how many files were left out. */
export function picturesAmong({ found, unreadable, folders }) {
  const { files, skipped } = picturesOf(found);
  return { files, skipped: skipped + unreadable, folders };
}

/**
 * Walks entries (FileSystemEntry objects, or plain Files): every file in them with its path
 * ("trip/day 2/a.jpg"), the names of the folders among them, and how many could not be read.
 * @returns {Promise<{ found: { file: File, path: string }[], unreadable: number, folders: string[] }>}
 */
export async function filesInEntries(entries) {
  const found = [];
  const folders = [];
  let unreadable = 0;
  const visit = async (entry, path) => {
    if (entry instanceof Blob) {
      found.push({ file: entry, path: entry.name });
    } else if (entry.isDirectory) {
      let children;
      try {
        children = await readAll(entry.createReader());
      } catch {
        unreadable += 1;
        return;
      }
      for (const child of children) await visit(child, `${path}/${child.name}`);
    } else {
      try {
        found.push({ file: await new Promise((resolve, reject) => entry.file(resolve, reject)), path });
      } catch {
        unreadable += 1;
      }
    }
  };
  for (const entry of entries) {
    if (entry.isDirectory) folders.push(entry.name);
    await visit(entry, entry.name);
  }
  return { found, unreadable, folders };
}

/** Every entry of a directory: its reader hands them out in batches (100 at a time in Chromium). */
async function readAll(reader) {
  const all = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** The pictures among the files of the folder picker, in path order. */
export function picturesFromPicker(fileList) {
  const found = [...fileList].map((file) => ({ file, path: pathOf(file) }));
  const folders = [...new Set(found.map(({ path }) => path.split('/')[0]))];
  return { ...picturesOf(found), folders };
}
