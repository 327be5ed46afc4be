// What both video containers (mp4.js, webm.js) write the same way: the colour codes of
// ISO/IEC 23091-4, Opus's pre-skip, and byte arrays joined.

/** WebCodecs' colour space names → the codes of ISO/IEC 23091-4 (Matroska's Colour, MP4's `colr`). */
export const MATRIX = { rgb: 0, bt709: 1, bt470bg: 5, smpte170m: 6, 'bt2020-ncl': 9 };
export const PRIMARIES = { bt709: 1, bt470bg: 5, smpte170m: 6, bt2020: 9, smpte432: 12 };
export const TRANSFER = { bt709: 1, smpte170m: 6, linear: 8, 'iec61966-2-1': 13, pq: 16, hlg: 18 };

/** Opus's pre-skip (samples at 48 kHz to drop at the start), from its OpusHead (little-endian). */
export function opusPreSkip(opusHead) {
  return opusHead && opusHead.length >= 12 ? opusHead[10] | (opusHead[11] << 8) : 0;
}

/** Byte arrays (Uint8Arrays, or arrays of bytes) joined into one Uint8Array. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
