// An MP4 file from encoded H.264 frames and, if there is sound, encoded AAC or Opus packets (what
// WebCodecs' VideoEncoder and AudioEncoder give): `ftyp`, then `moov` (every sample's size, time
// and place, so a player can start before it has read the rest: "fast start"), then `mdat` with
// the samples, video and sound interleaved about every half second. The file is handed out as the
// parts of a Blob, so the encoded samples are not copied once more. Only what a translated video
// needs is written: one H.264 track (its `avcC` as the encoder describes it, and the colours of
// its frames in `colr`), one sound track.
// The format: ISO/IEC 14496-12 (boxes), 14496-15 (avcC), 14496-14 (esds), and the Opus mapping
// https://opus-codec.org/docs/opus_in_isobmff.html (dOps).

import { concat, MATRIX, PRIMARIES, TRANSFER, opusPreSkip } from './media-codes.js';

/** Movie-wide times are in milliseconds; the video track's in 1/90,000 s; the sound's in its samples. */
const MOVIE_TIMESCALE = 1000;
const VIDEO_TIMESCALE = 90_000;
/** Samples of a track are written together up to this long (seconds), interleaved with the other track. */
const CHUNK_SECONDS = 0.5;
/** A `mdat` over this many bytes, or a sample placed past it, needs the 64-bit forms. */
const UINT32_MAX = 0xffff_ffff;

/** Big-endian fields: `[bits, value]` pairs (8, 16, 32 or 64 bits; a negative value as two's complement). */
function fields(...pairs) {
  const bytes = new Uint8Array(pairs.reduce((sum, [bits]) => sum + bits / 8, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const [bits, value] of pairs) {
    if (bits === 8) view.setUint8(at, value & 0xff);
    else if (bits === 16) view.setUint16(at, value & 0xffff);
    else if (bits === 32) view.setUint32(at, value >>> 0);
    else view.setBigUint64(at, BigInt(value));
    at += bits / 8;
  }
  return bytes;
}

const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** A box: size, type, body (bytes, or a list of bytes). */
function box(type, ...body) {
  const data = concat(body.flat());
  return concat([fields([32, data.length + 8]), ascii(type), data]);
}

/** A full box: a box whose body starts with a version and 24 bits of flags. */
const fullBox = (type, version, flags, ...body) => box(type, fields([8, version], [8, flags >> 16], [16, flags]), ...body);

/** The unity transformation matrix of `mvhd` and `tkhd` (16.16 and 2.30 fixed point). */
const MATRIX_UNITY = fields([32, 0x0001_0000], [32, 0], [32, 0], [32, 0], [32, 0x0001_0000], [32, 0], [32, 0], [32, 0], [32, 0x4000_0000]);

/** µs → `timescale` units. */
const inUnits = (us, timescale) => Math.round((us * timescale) / 1e6);

/**
 * A track's samples in decoding order: `{ size, duration, offset (composition − decoding time),
 * key }` in the track's timescale, and their `mediaDuration` (the sum), from WebCodecs chunks `{ data, timestamp (µs), duration? (µs),
 * key }` given in decoding order with presentation timestamps. Decoding times are the
 * presentation times sorted, moved earlier by `shift` (the most any frame is shown after frames
 * decoded after it) so that none is decoded after it is shown; `shift` is 0 unless frames are
 * reordered (B-frames), and then the edit list starts the track at its first frame shown.
 */
function sampleTimes(chunks, timescale, lastDuration) {
  const shown = chunks.map((chunk) => inUnits(chunk.timestamp, timescale));
  const sorted = [...shown].sort((a, b) => a - b);
  const shift = Math.max(0, ...shown.map((time, index) => sorted[index] - time));
  const decoded = sorted.map((time) => time - shift);
  const last = inUnits(chunks.at(-1)?.duration ?? lastDuration, timescale);
  const samples = chunks.map((chunk, index) => ({
    size: chunk.data.length,
    duration: index + 1 < chunks.length ? decoded[index + 1] - decoded[index] : Math.max(1, last),
    offset: shown[index] - decoded[index],
    key: chunk.key !== false,
  }));
  return { samples, mediaDuration: samples.reduce((sum, sample) => sum + sample.duration, 0), shift };
}

/** Runs of equal values: `[[count, value], …]`. */
function runs(values) {
  const out = [];
  for (const value of values) {
    if (out.length && out.at(-1)[1] === value) out.at(-1)[0] += 1;
    else out.push([1, value]);
  }
  return out;
}

/** The sample table of a track: description, times, sync samples, chunks and their places (zeros until placed). */
function sampleTable({ entry, samples, chunkList: chunks }, large) {
  const offsets = chunks.map((chunk) => chunk.offset ?? 0);
  const boxes = [fullBox('stsd', 0, 0, fields([32, 1]), entry)];
  const durations = runs(samples.map((sample) => sample.duration));
  boxes.push(fullBox('stts', 0, 0, fields([32, durations.length]), durations.map(([count, delta]) => fields([32, count], [32, delta]))));
  if (samples.some((sample) => sample.offset !== 0)) {
    const offsetRuns = runs(samples.map((sample) => sample.offset));
    boxes.push(fullBox('ctts', 0, 0, fields([32, offsetRuns.length]), offsetRuns.map(([count, offset]) => fields([32, count], [32, offset]))));
  }
  if (samples.some((sample) => !sample.key)) {
    const sync = samples.flatMap((sample, index) => (sample.key ? [index + 1] : []));
    boxes.push(fullBox('stss', 0, 0, fields([32, sync.length]), sync.map((number) => fields([32, number]))));
  }
  // Chunk i (from 1) holds `count` samples; an entry where the count changes.
  const perChunk = [];
  chunks.forEach(({ count }, index) => {
    if (perChunk.at(-1)?.count !== count) perChunk.push({ first: index + 1, count });
  });
  boxes.push(fullBox('stsc', 0, 0, fields([32, perChunk.length]), perChunk.map(({ first, count }) => fields([32, first], [32, count], [32, 1]))));
  boxes.push(fullBox('stsz', 0, 0, fields([32, 0], [32, samples.length]), samples.map((sample) => fields([32, sample.size]))));
  boxes.push(large
    ? fullBox('co64', 0, 0, fields([32, offsets.length]), offsets.map((offset) => fields([64, offset])))
    : fullBox('stco', 0, 0, fields([32, offsets.length]), offsets.map((offset) => fields([32, offset]))));
  return box('stbl', boxes);
}

/** A track: header, edit list (where its media starts at `mediaStart`), media. */
function trackBox(track, id, large) {
  const video = track.kind === 'video';
  const header = fullBox('tkhd', 0, 0x3, fields([32, 0], [32, 0], [32, id], [32, 0], [32, track.duration], [32, 0], [32, 0],
    [16, 0], [16, 0], [16, video ? 0 : 0x0100], [16, 0]), MATRIX_UNITY, fields([32, video ? track.width * 0x10000 : 0], [32, video ? track.height * 0x10000 : 0]));
  const edits = track.mediaStart > 0
    ? [box('edts', fullBox('elst', 0, 0, fields([32, 1], [32, track.duration], [32, track.mediaStart], [16, 1], [16, 0])))]
    : [];
  const handler = fullBox('hdlr', 0, 0, fields([32, 0]), ascii(video ? 'vide' : 'soun'), fields([32, 0], [32, 0], [32, 0]), ascii(video ? 'VideoHandler\0' : 'SoundHandler\0'));
  const mediaHeader = video ? fullBox('vmhd', 0, 1, fields([16, 0], [16, 0], [16, 0], [16, 0])) : fullBox('smhd', 0, 0, fields([16, 0], [16, 0]));
  const dataInformation = box('dinf', fullBox('dref', 0, 0, fields([32, 1]), fullBox('url ', 0, 1)));
  const media = box('mdia',
    fullBox('mdhd', 0, 0, fields([32, 0], [32, 0], [32, track.timescale], [32, track.mediaDuration], [16, 0x55c4 /* 'und' */], [16, 0])),
    handler,
    box('minf', mediaHeader, dataInformation, sampleTable(track, large)));
  return box('trak', header, ...edits, media);
}

/** The `avc1` sample entry: the frame size, the encoder's `avcC`, the colours (`colr`, nclx; 2: unspecified). */
function avcEntry({ width, height, description, colorSpace }) {
  const colours = colorSpace
    ? [box('colr', ascii('nclx'), fields([16, PRIMARIES[colorSpace.primaries] ?? 2], [16, TRANSFER[colorSpace.transfer] ?? 2], [16, MATRIX[colorSpace.matrix] ?? 2], [8, colorSpace.fullRange ? 0x80 : 0]))]
    : [];
  return box('avc1',
    fields([32, 0], [16, 0], [16, 1]), // reserved, data reference 1
    fields([16, 0], [16, 0], [32, 0], [32, 0], [32, 0], [16, width], [16, height], [32, 0x0048_0000], [32, 0x0048_0000], [32, 0], [16, 1]),
    new Uint8Array(32), // compressor name: none
    fields([16, 0x18], [16, 0xffff]),
    box('avcC', description),
    ...colours);
}

/** An MPEG-4 descriptor: its tag, its length in the 4-byte form, its body. */
const descriptor = (tag, ...body) => {
  const data = concat(body.flat());
  return concat([fields([8, tag], [8, 0x80 | ((data.length >> 21) & 0x7f)], [8, 0x80 | ((data.length >> 14) & 0x7f)], [8, 0x80 | ((data.length >> 7) & 0x7f)], [8, data.length & 0x7f]), data]);
};

/** The sample entry's common audio fields: channels, 16 bits, the rate in 16.16 fixed point. */
const audioFields = ({ channels, sampleRate }) => fields([32, 0], [16, 0], [16, 1], [32, 0], [32, 0], [16, channels], [16, 16], [16, 0], [16, 0], [32, (sampleRate * 0x10000) >>> 0]);

/** The `mp4a` sample entry of AAC: its AudioSpecificConfig (the encoder's description) in `esds`. */
function aacEntry(sound) {
  const config = descriptor(0x04, fields([8, 0x40 /* MPEG-4 audio */], [8, (0x05 << 2) | 1 /* audio stream */], [8, 0], [16, 0], [32, sound.bitrate ?? 0], [32, sound.bitrate ?? 0]),
    descriptor(0x05, sound.description));
  return box('mp4a', audioFields(sound), fullBox('esds', 0, 0, descriptor(0x03, fields([16, 0], [8, 0]), config, descriptor(0x06, fields([8, 0x02])))));
}

/** The `Opus` sample entry: `dOps`, the OpusHead's fields big-endian (mono or stereo: mapping family 0). */
function opusEntry(sound) {
  const head = sound.description;
  const inputRate = head && head.length >= 16 ? new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(12, true) : sound.sampleRate;
  const gain = head && head.length >= 18 ? new DataView(head.buffer, head.byteOffset, head.byteLength).getInt16(16, true) : 0;
  return box('Opus', audioFields({ ...sound, sampleRate: 48_000 }), box('dOps', fields([8, 0], [8, sound.channels], [16, opusPreSkip(head)], [32, inputRate], [16, gain], [8, 0])));
}

/**
 * The MP4 file of `frames`, as Blob parts (Uint8Arrays: `new Blob(mp4Parts(…), { type: 'video/mp4' })`).
 * `frames`: `[{ data: Uint8Array, timestamp: µs, key: boolean }]` in decoding order, the first a key
 * frame, H.264 in the `avc` (length-prefixed) form; `description`: the encoder's `avcC`;
 * `frameDuration` in µs (the last frame's); `colorSpace` (a VideoFrame's) is written as `colr`.
 * `sound` (optional): `{ codec: 'aac' | 'opus', sampleRate, channels, description (AudioSpecificConfig
 * or OpusHead), bitrate?, packets: [{ data, timestamp: µs, duration?: µs }] }`; Opus's pre-skip
 * is left out of what is played by the track's edit list.
 */
export function mp4Parts({ width, height, description, colorSpace = null, frames, frameDuration, sound = null }) {
  if (frames.length === 0 || !frames[0].key) throw new Error('an MP4 video starts with a key frame');
  if (!description?.length) throw new Error('an H.264 track needs the encoder’s avcC description');
  const videoTimes = sampleTimes(frames, VIDEO_TIMESCALE, frameDuration);
  const tracks = [{
    kind: 'video', width, height, timescale: VIDEO_TIMESCALE, encoded: frames, ...videoTimes,
    mediaStart: videoTimes.shift, seconds: videoTimes.mediaDuration / VIDEO_TIMESCALE, entry: avcEntry({ width, height, description, colorSpace }),
  }];
  if (sound?.packets.length) {
    const rate = sound.codec === 'opus' ? 48_000 : sound.sampleRate;
    const times = sampleTimes(sound.packets, rate, 20_000);
    const preSkip = sound.codec === 'opus' ? opusPreSkip(sound.description) : 0;
    const heard = (times.mediaDuration - preSkip) / rate;
    tracks.push({
      kind: 'sound', timescale: rate, encoded: sound.packets, ...times, mediaStart: preSkip, seconds: Math.max(0, heard),
      entry: sound.codec === 'opus' ? opusEntry(sound) : aacEntry(sound),
    });
  }
  for (const track of tracks) track.duration = Math.round(track.seconds * MOVIE_TIMESCALE);

  // Chunks: each track's samples in runs of up to CHUNK_SECONDS, all of them in time order.
  const chunks = [];
  tracks.forEach((track, trackIndex) => {
    track.chunkList = [];
    let time = 0;
    let current = null;
    track.samples.forEach((sample, index) => {
      if (!current || time - current.start >= CHUNK_SECONDS * track.timescale) {
        current = { track: trackIndex, first: index, count: 0, start: time, seconds: time / track.timescale, bytes: 0 };
        track.chunkList.push(current);
        chunks.push(current);
      }
      current.count += 1;
      current.bytes += sample.size;
      time += sample.duration;
    });
  });
  chunks.sort((a, b) => a.seconds - b.seconds || a.track - b.track);
  const dataBytes = chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);

  const ftyp = box('ftyp', ascii('isom'), fields([32, 0x200]), ascii('isomiso2avc1mp41'));
  const movieDuration = Math.max(...tracks.map((track) => track.duration));
  const moov = (large) => box('moov',
    fullBox('mvhd', 0, 0, fields([32, 0], [32, 0], [32, MOVIE_TIMESCALE], [32, movieDuration], [32, 0x0001_0000], [16, 0x0100], [16, 0], [32, 0], [32, 0]),
      MATRIX_UNITY, new Uint8Array(24), fields([32, tracks.length + 1])),
    ...tracks.map((track, index) => trackBox(track, index + 1, large)));
  // The sample table's size does not depend on where the chunks are, only on the offsets' width:
  // laid out once before the chunks are placed (offsets 0), then with their places.
  const mdatHeaderLength = (large) => (large ? 16 : 8);
  let large = false;
  let moovLength = moov(false).length;
  if (ftyp.length + moovLength + mdatHeaderLength(false) + dataBytes > UINT32_MAX) {
    large = true;
    moovLength = moov(true).length;
  }
  let position = ftyp.length + moovLength + mdatHeaderLength(large);
  for (const chunk of chunks) {
    chunk.offset = position;
    position += chunk.bytes;
  }
  const header = moov(large);
  const mdatHeader = large ? concat([fields([32, 1]), ascii('mdat'), fields([64, dataBytes + 16])]) : concat([fields([32, dataBytes + 8]), ascii('mdat')]);
  const parts = [ftyp, header, mdatHeader];
  for (const chunk of chunks) {
    const { encoded } = tracks[chunk.track];
    for (let index = chunk.first; index < chunk.first + chunk.count; index++) parts.push(encoded[index].data);
  }
  return parts;
}
