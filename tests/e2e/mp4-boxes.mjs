// Reads an MP4 file back as the tests need it: its boxes, and each track's samples (bytes, times,
// key frames) from its sample table. Written from ISO/IEC 14496-12, apart from www/mp4.js, so
// that a test of the writer is not the writer checking itself.

/** Boxes holding only boxes. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf']);
/** Sample entries: the bytes before their child boxes (SampleEntry and Visual/AudioSampleEntry fields). */
const ENTRY_FIELDS = { avc1: 78, Opus: 28, mp4a: 28 };

/** The boxes of `bytes[start, end)`: `{ type, start, size, body: [start, end), children? }`. */
export function readBoxes(bytes, start = 0, end = bytes.length) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes = [];
  for (let at = start; at < end;) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    }
    if (size < header || at + size > end) throw new Error(`box “${type}” at ${at} runs past its parent (${size} bytes)`);
    const found = { type, start: at, size, body: [at + header, at + size] };
    if (CONTAINERS.has(type)) found.children = readBoxes(bytes, at + header, at + size);
    if (type === 'stsd') found.children = readBoxes(bytes, at + header + 8, at + size);
    if (type in ENTRY_FIELDS) found.children = readBoxes(bytes, at + header + ENTRY_FIELDS[type], at + size);
    boxes.push(found);
    at += size;
  }
  return boxes;
}

/** The first box of `type` under `boxes`, searched depth first. */
export function findBox(boxes, type) {
  for (const found of boxes) {
    if (found.type === type) return found;
    const inner = found.children && findBox(found.children, type);
    if (inner) return inner;
  }
  return null;
}

/** The 32-bit fields of a full box's body after its version and flags (`skip` more bytes first). */
function words(bytes, found, skip = 0) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [start, end] = found.body;
  return Array.from({ length: (end - start - 4 - skip) >> 2 }, (_, i) => view.getUint32(start + 4 + skip + 4 * i));
}

/** The body of a box, as bytes. */
export const bodyOf = (bytes, found) => bytes.subarray(...found.body);

/**
 * Each track of an MP4 file: `{ handler ('vide' | 'soun'), timescale, entry (the sample entry's
 * box), edit: { segment, mediaTime } | null, samples: [{ data, decode, show, key }] }` (times in
 * the track's timescale), from stts, ctts, stss, stsc, stsz and stco/co64.
 */
export function mp4Tracks(bytes) {
  const top = readBoxes(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const moov = top.find((found) => found.type === 'moov');
  if (!moov) throw new Error('no moov box');
  return moov.children.filter((found) => found.type === 'trak').map((trak) => {
    const boxOf = (type) => findBox([trak], type);
    const handler = String.fromCharCode(...bytes.subarray(boxOf('hdlr').body[0] + 8, boxOf('hdlr').body[0] + 12));
    const timescale = words(bytes, boxOf('mdhd'))[2];
    const [entry] = boxOf('stsd').children;
    const elst = boxOf('elst');
    const edit = elst ? { segment: words(bytes, elst)[1], mediaTime: view.getInt32(elst.body[0] + 12) } : null;

    const [sampleSizeAll, count, ...sizes] = words(bytes, boxOf('stsz'));
    const sampleSizes = sampleSizeAll ? Array(count).fill(sampleSizeAll) : sizes;
    const stts = words(bytes, boxOf('stts')).slice(1);
    const decode = [];
    for (let i = 0, time = 0; i < stts.length; i += 2) {
      for (let k = 0; k < stts[i]; k++, time += stts[i + 1]) decode.push(time);
    }
    const offsets = [];
    const ctts = boxOf('ctts');
    if (ctts) {
      const runs = words(bytes, ctts).slice(1);
      for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < runs[i]; k++) offsets.push(runs[i + 1] | 0);
    }
    const stss = boxOf('stss');
    const sync = stss ? new Set(words(bytes, stss).slice(1)) : null;
    const stco = boxOf('stco');
    const chunkOffsets = stco
      ? words(bytes, stco).slice(1)
      : Array.from({ length: words(bytes, boxOf('co64'))[0] }, (_, i) => Number(view.getBigUint64(boxOf('co64').body[0] + 8 + 8 * i)));
    const stsc = words(bytes, boxOf('stsc')).slice(1);
    const samples = [];
    for (let chunk = 0; chunk < chunkOffsets.length; chunk++) {
      // The last stsc entry whose first chunk is at or before this one.
      let perChunk = 0;
      for (let i = 0; i < stsc.length; i += 3) if (stsc[i] <= chunk + 1) perChunk = stsc[i + 1];
      let at = chunkOffsets[chunk];
      for (let k = 0; k < perChunk; k++) {
        const index = samples.length;
        const size = sampleSizes[index];
        samples.push({
          offset: at, size, data: bytes.subarray(at, at + size), decode: decode[index], show: decode[index] + (offsets[index] ?? 0), key: sync ? sync.has(index + 1) : true,
        });
        at += size;
      }
    }
    if (samples.length !== sampleSizes.length || decode.length !== sampleSizes.length) {
      throw new Error(`${handler}: ${sampleSizes.length} sizes, ${decode.length} times, ${samples.length} samples placed in chunks`);
    }
    return { handler, timescale, entry, edit, samples, duration: words(bytes, boxOf('mdhd'))[3] };
  });
}
