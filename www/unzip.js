// Reading a ZIP file: a model's folder zipped to carry it to another machine (a phone cannot pick
// a folder, and a mail or chat app hands over one file), or photos zipped together. Stored and
// deflated files (what zip tools, Windows, macOS and phones write), ZIP64 included; each file is
// checked against its CRC-32. Stored files stay slices of the ZIP (nothing is copied); deflated
// ones are inflated by the browser's DecompressionStream, never past the size the ZIP declares.

import { FriendlyError, isFileGone } from './errors.js';
import { formatBytes } from './status.js';
import { crc32 } from './zip.js';

const END = 0x06054b50; // end of central directory
const END64 = 0x06064b50; // ZIP64 end of central directory
const END64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const UNICODE_PATH_EXTRA = 0x7075; // Info-ZIP: the name in UTF-8, beside the name in the system's code page
const MAX_COMMENT = 0xffff;
const UTF8_NAMES = 0x0800;
const ENCRYPTED = 0x0001;
const METHODS = { 0: 'stored', 8: 'deflated' };
/** Code page 437's characters 0x80–0xff: what the ZIP specification says a name without the UTF-8 flag is in. */
const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
/** The most bytes read out of a ZIP into memory at once: a model's files together, or one photo. */
const UNPACKED_LIMIT = 512e6;

/** Whether a file is a ZIP (by its name, or the type the browser gave it). */
export const isZip = (file) => /\.zip$/i.test(file.name) || /^application\/(x-)?zip(-compressed)?$/.test(file.type);

/**
 * The files in the ZIP `blob` (named `name` in messages), as `{ path, file }` in the order of its
 * directory; folders' own entries and the "__MACOSX" copies macOS's Finder adds are left out.
 * `limit`: the most bytes its files may add up to once inflated. Fails with a FriendlyError that
 * says what is wrong with the file.
 */
export async function unzip(blob, name = 'The ZIP file', limit = UNPACKED_LIMIT) {
  const where = `“${name}”`;
  const damaged = damagedZip(where);
  const entries = await filesOf(blob, damaged);
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total > limit) {
    throw new FriendlyError('zip-too-large', `${where} unpacks to ${formatBytes(total)}, more than the ${formatBytes(limit)} this page opens from a ZIP file: unzip it and open its folder.`,
      new Error(`${total} bytes in ${entries.length} files`));
  }
  for (const entry of entries) refuseUnreadable(entry, where, 'zip the folder again');
  const files = [];
  for (const entry of entries) files.push({ path: entry.path, file: await fileOf(blob, entry, damaged) });
  return files;
}

/**
 * The files in the ZIP `blob` (named `name` in messages) as its directory lists them, none of them
 * read yet (a ZIP of a thousand photos is read one photo at a time, as each one's turn comes):
 * `{ path, name, type, size, open }` in the order of the directory, folders' own entries and
 * "__MACOSX" copies left out. `open(limit)` reads one file, checked against its CRC-32, into a File,
 * or fails with a FriendlyError that names it ("“beach.jpg” in “holiday.zip” is damaged…"); one
 * that unpacks to more than `limit` bytes is refused. Fails, as `unzip` does, when the ZIP's
 * directory cannot be read.
 */
export async function zipEntries(blob, name = 'The ZIP file') {
  const where = `“${name}”`;
  const entries = await filesOf(blob, damagedZip(where));
  return entries.map((entry) => {
    const what = `“${entry.name}” in ${where}`;
    const open = async (limit = UNPACKED_LIMIT) => {
      refuseUnreadable(entry, what, 'zip it again');
      if (entry.size > limit) {
        throw new FriendlyError('zip-too-large', `${what} unpacks to ${formatBytes(entry.size)}, more than the ${formatBytes(limit)} this page opens from a ZIP file: unzip it first.`,
          new Error(`${entry.size} bytes`));
      }
      try {
        return await fileOf(blob, entry, (why) => new FriendlyError('damaged-zip', `${what} is damaged: it cannot be read from the ZIP file.`, new Error(why)));
      } catch (error) {
        if (!isFileGone(error)) throw error;
        throw new FriendlyError('file-gone', `${what} can no longer be read: the ZIP file was moved, changed or deleted after it was chosen. Choose it again.`, error);
      }
    };
    return { path: entry.path, name: entry.name, type: entry.type, size: entry.size, open };
  });
}

/** What a damaged ZIP named `where` fails with: a FriendlyError, the reason `why` in its details. */
const damagedZip = (where) => (why) => new FriendlyError('damaged-zip', `${where} is damaged or not a ZIP file: it cannot be opened. Zip the folder again.`, new Error(why));

/**
 * The directory's files, each with its `name` (the last part of its path) and the `type` a browser
 * would give it: folders' own entries and macOS's "__MACOSX" copies left out.
 */
async function filesOf(blob, damaged) {
  // A directory whose lengths run past its end reads out of bounds (a RangeError): damaged too.
  const entries = await directory(blob, damaged).catch((error) => {
    throw error instanceof FriendlyError ? error : damaged(error?.message ?? String(error));
  });
  return entries.filter(({ path }) => !path.endsWith('/') && !path.startsWith('__MACOSX/'))
    .map((entry) => ({ ...entry, name: entry.path.split('/').at(-1), type: typeOf(entry.path) }));
}

/** Refuses a file this page cannot read (encrypted, or compressed another way), saying so of `what` and to `again`. */
function refuseUnreadable(entry, what, again) {
  if (entry.flags & ENCRYPTED) {
    throw new FriendlyError('zip-unsupported', `${what} is encrypted (protected by a password): ${again} without one.`, new Error(`${entry.path}: flags ${entry.flags}`));
  }
  if (!(entry.method in METHODS)) {
    throw new FriendlyError('zip-unsupported', `${what} is compressed in a way this page cannot read (method ${entry.method}): ${again} with the usual settings (“deflate”).`,
      new Error(`${entry.path}: compression method ${entry.method}`));
  }
}

/** One file of the ZIP as a File (a slice of the ZIP if stored), read and checked by `contents`. */
async function fileOf(blob, entry, damaged) {
  const part = await contents(blob, entry, damaged);
  return new File([part], entry.name, { type: entry.type });
}

/** The central directory's entries: path, flags, method, CRC, sizes and where each file's header is. */
async function directory(blob, damaged) {
  const tailStart = Math.max(0, blob.size - 22 - MAX_COMMENT);
  const tail = new DataView(await blob.slice(tailStart).arrayBuffer());
  let end = -1;
  for (let at = tail.byteLength - 22; at >= 0; at--) {
    if (tail.getUint32(at, true) === END) {
      end = at;
      break;
    }
  }
  if (end < 0) throw damaged('no end of central directory record');
  let count = tail.getUint16(end + 10, true);
  let size = tail.getUint32(end + 12, true);
  let offset = tail.getUint32(end + 16, true);
  if (end >= 20 && tail.getUint32(end - 20, true) === END64_LOCATOR) {
    const end64At = Number(tail.getBigUint64(end - 20 + 8, true));
    const end64 = new DataView(await blob.slice(end64At, end64At + 56).arrayBuffer());
    if (end64.byteLength < 56 || end64.getUint32(0, true) !== END64) throw damaged('bad ZIP64 end of central directory');
    count = Number(end64.getBigUint64(32, true));
    size = Number(end64.getBigUint64(40, true));
    offset = Number(end64.getBigUint64(48, true));
  }
  if (offset + size > blob.size) throw damaged(`central directory at ${offset} (+${size}) past the end (${blob.size} bytes)`);
  const view = new DataView(await blob.slice(offset, offset + size).arrayBuffer());
  const entries = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL) throw damaged(`central directory entry ${i} missing`);
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameBytes = new Uint8Array(view.buffer, view.byteOffset + at + 46, nameLength);
    const extra = new DataView(view.buffer, view.byteOffset + at + 46 + nameLength, extraLength);
    const entry = {
      path: nameOf(nameBytes, flags, extra),
      flags,
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      header: view.getUint32(at + 42, true),
    };
    readZip64Extra(extra, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * A file's name in its ZIP. With the UTF-8 flag, UTF-8. Without it: the Info-ZIP Unicode path field's
 * name where one matches these bytes (Info-ZIP's and 7-Zip's ZIPs of names in Windows' code page);
 * else UTF-8 where the bytes are valid UTF-8 (macOS's Archive Utility writes UTF-8 without the flag;
 * plain ASCII is both); else code page 437, as the ZIP specification says (Windows' own ZIPs).
 */
function nameOf(bytes, flags, extra) {
  if (flags & UTF8_NAMES) return new TextDecoder('utf-8').decode(bytes);
  const unicode = unicodePathOf(extra, bytes);
  if (unicode !== null) return unicode;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Array.from(bytes, (byte) => (byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80])).join('');
  }
}

/** The UTF-8 name of an Info-ZIP Unicode path field (version 1) made for these name bytes, or null. */
function unicodePathOf(extra, nameBytes) {
  for (const { id, start, length } of extraRecords(extra)) {
    if (id === UNICODE_PATH_EXTRA && length >= 5 && start + length <= extra.byteLength
      && extra.getUint8(start) === 1 && extra.getUint32(start + 1, true) === crc32(nameBytes)) {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(extra.buffer, extra.byteOffset + start + 5, length - 5));
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** A ZIP64 extra field gives the 8-byte values of those fields that say 0xffffffff, in this order. */
function readZip64Extra(extra, entry) {
  for (const { id, start, length } of extraRecords(extra)) {
    if (id !== ZIP64_EXTRA) continue;
    let field = start;
    for (const key of ['size', 'compressed', 'header']) {
      if (entry[key] !== 0xffffffff || field + 8 > start + length) continue;
      entry[key] = Number(extra.getBigUint64(field, true));
      field += 8;
    }
  }
}

/** The records of an entry's extra field, in order: each one's id, where its data starts, and its declared length. */
function* extraRecords(extra) {
  for (let at = 0; at + 4 <= extra.byteLength; at += 4 + extra.getUint16(at + 2, true)) {
    yield { id: extra.getUint16(at, true), start: at + 4, length: extra.getUint16(at + 2, true) };
  }
}

/** A file's bytes (a slice of the ZIP if stored), inflated if need be, checked against its size and CRC-32. */
async function contents(blob, entry, damaged) {
  const local = new DataView(await blob.slice(entry.header, entry.header + 30).arrayBuffer());
  if (local.byteLength < 30 || local.getUint32(0, true) !== LOCAL) throw damaged(`${entry.path}: no local header at ${entry.header}`);
  const start = entry.header + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (start + entry.compressed > blob.size) throw damaged(`${entry.path}: its ${entry.compressed} bytes at ${start} run past the end`);
  const stored = blob.slice(start, start + entry.compressed);
  const bytes = entry.method === 0 ? new Uint8Array(await stored.arrayBuffer()) : await inflated(stored, entry.size, entry.path, damaged);
  if (bytes.length !== entry.size) throw damaged(`${entry.path}: ${bytes.length} bytes, the directory says ${entry.size}`);
  if (crc32(bytes) !== entry.crc) throw damaged(`${entry.path}: CRC-32 mismatch`);
  return entry.method === 0 ? stored : bytes;
}

/** The raw deflate stream `data` inflated, stopped as soon as it grows past `size`. */
async function inflated(data, size, path, damaged) {
  if (typeof DecompressionStream !== 'function') {
    throw new FriendlyError('zip-unsupported', 'This browser cannot unpack a compressed ZIP file: unzip it and open its folder, or choose its files together.',
      new Error('no DecompressionStream'));
  }
  const out = new Uint8Array(size);
  let length = 0;
  const reader = data.stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > size) throw damaged(`${path}: inflates past the ${size} bytes the directory says`);
      out.set(value, length);
      length += value.length;
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    if (error instanceof FriendlyError || isFileGone(error)) throw error;
    throw damaged(`${path}: ${error?.message ?? error}`);
  }
  return out.subarray(0, length);
}

/** The type a browser would give a picked file of this name, for those a model's folder holds. */
function typeOf(path) {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', json: 'application/json', md: 'text/markdown' }[extension] ?? '';
}
