// A ZIP file of several files, stored as they are (PNGs are compressed already): what "Download
// all" hands over. The files stay Blobs: the ZIP is a Blob made of them and small headers, so the
// browser never copies them into the page's memory at once; each is read once, for its CRC-32.
// Plain ZIP (no ZIP64): up to 65,535 files and 4 GB in all, which `zipBlob` checks.

import { FriendlyError } from './errors.js';

const LIMIT = 0xffffffff; // the largest size or offset a plain ZIP can record
const MAX_FILES = 0xffff;
const UTF8_NAMES = 0x0800; // general purpose flag bit 11: names are UTF-8
const VERSION = 20; // 2.0: what a stored file needs

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 (ISO-HDLC, as ZIP and PNG use) of `bytes`. */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `date` in MS-DOS form: { time, date } as ZIP records them (local time, 2-second steps, 1980–2107). */
export function dosDateTime(date) {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/**
 * The 26 bytes a local header (from byte 4) and a central directory header (from byte 6) share:
 * version needed, flags, method (stored), time, date, CRC-32, both sizes, name length, no extra field.
 */
function writeEntryFields(view, at, { time, day, crc, size, nameLength }) {
  view.setUint16(at, VERSION, true);
  view.setUint16(at + 2, UTF8_NAMES, true);
  view.setUint16(at + 4, 0, true); // stored
  view.setUint16(at + 6, time, true);
  view.setUint16(at + 8, day, true);
  view.setUint32(at + 10, crc, true);
  view.setUint32(at + 14, size, true); // compressed size
  view.setUint32(at + 18, size, true); // uncompressed size
  view.setUint16(at + 22, nameLength, true);
  view.setUint16(at + 24, 0, true); // extra field length
}

const tooLarge = (why) => new FriendlyError('zip-too-large',
  'These translations add up to more than 4 GB, more than one ZIP file can hold. Download them one by one, or clear the list and translate fewer at a time.',
  new Error(why));

/**
 * `names` made unique the way a file manager would: a second "a.png" becomes "a (2).png".
 * Returns a new array, in the same order.
 */
export function uniqueNames(names) {
  const taken = new Set();
  return names.map((name) => {
    let candidate = name;
    const dot = name.lastIndexOf('.');
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${extension}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

/**
 * A ZIP of `files` ([{ name, blob }], names unique), each stored uncompressed and dated `date`.
 * Throws a FriendlyError when they do not fit a plain ZIP.
 */
export async function zipBlob(files, date = new Date()) {
  if (files.length > MAX_FILES) {
    throw new FriendlyError('zip-too-large', `${files.length.toLocaleString('en')} files are more than one ZIP file can hold (65,535). Download them in parts.`,
      new Error(`${files.length} files`));
  }
  const { time, date: day } = dosDateTime(date);
  const encoder = new TextEncoder();
  const parts = [];
  const directory = [];
  let offset = 0;
  for (const { name, blob } of files) {
    const nameBytes = encoder.encode(name);
    const size = blob.size;
    if (offset + 30 + nameBytes.length + size > LIMIT) throw tooLarge(`over ${LIMIT} bytes at “${name}”`);
    const entry = { time, day, crc: crc32(new Uint8Array(await blob.arrayBuffer())), size, nameLength: nameBytes.length };
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); // local file header
    writeEntryFields(local, 4, entry);
    parts.push(local, nameBytes, blob);

    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true); // central directory header
    central.setUint16(4, VERSION, true); // made by: MS-DOS attributes, version 2.0
    writeEntryFields(central, 6, entry);
    // comment length, disk number, internal and external attributes: 0
    central.setUint32(42, offset, true);
    directory.push(central, nameBytes);
    offset += 30 + nameBytes.length + size;
  }
  const directorySize = directory.reduce((sum, part) => sum + part.byteLength, 0);
  if (offset + directorySize > LIMIT) {
    throw tooLarge(`the central directory starts at byte ${offset}`);
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true); // end of central directory
  end.setUint16(8, files.length, true); // entries on this disk
  end.setUint16(10, files.length, true); // entries in all
  end.setUint32(12, directorySize, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...directory, end], { type: 'application/zip' });
}
