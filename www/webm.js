// A WebM file from encoded video frames and, if there is sound, encoded Opus packets (what
// WebCodecs' VideoEncoder and AudioEncoder give): the EBML header, then one Segment with its
// SeekHead, Info (duration), Tracks (video, then sound), a Cluster from each video key frame on
// (the sound's blocks interleaved by time), and Cues (one per Cluster) so that players can seek.
// The whole file is built in memory at once: every size is known, so no element has an unknown
// size. Only what a translated video needs (VP8 or VP9 video, Opus sound) is written.
// The format: https://www.matroska.org/technical/elements.html and https://www.webmproject.org/docs/container/

import { concat, MATRIX, PRIMARIES, TRANSFER, opusPreSkip } from './media-codes.js';

/** Element IDs, as their bytes read big-endian. */
const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Duration: 0x4489,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Colour: 0x55b0,
  MatrixCoefficients: 0x55b1,
  Range: 0x55b9,
  TransferCharacteristics: 0x55ba,
  Primaries: 0x55bb,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b,
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  CueTrack: 0xf7,
  CueClusterPosition: 0xf1,
};

/** The Colour element of a VideoFrame colorSpace (its known parts; none known: null). */
function colour(space) {
  if (!space) return null;
  const parts = [];
  if (space.matrix in MATRIX) parts.push(uint(ID.MatrixCoefficients, MATRIX[space.matrix]));
  if (typeof space.fullRange === 'boolean') parts.push(uint(ID.Range, space.fullRange ? 2 : 1));
  if (space.transfer in TRANSFER) parts.push(uint(ID.TransferCharacteristics, TRANSFER[space.transfer]));
  if (space.primaries in PRIMARIES) parts.push(uint(ID.Primaries, PRIMARIES[space.primaries]));
  return parts.length ? element(ID.Colour, parts) : null;
}

/** WebCodecs codec strings → Matroska codec IDs. */
export function codecId(codec) {
  if (codec === 'vp8') return 'V_VP8';
  if (codec.startsWith('vp09') || codec === 'vp9') return 'V_VP9';
  throw new Error(`no WebM codec ID for “${codec}”`);
}

/** An unsigned integer in as few bytes as it needs (`width` bytes when given). */
function uintBytes(value, width = 0) {
  const bytes = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  while (bytes.length < Math.max(width, 1)) bytes.unshift(0);
  return bytes;
}

/** An element ID's bytes: IDs are written with their length marker, so as the number reads. */
const idBytes = (id) => uintBytes(id);

/** A size as an 8-byte variable-length integer (always 8 bytes: simple, and valid for any size). */
const sizeBytes = (size) => [0x01, ...uintBytes(size, 7)];

/** An element: its ID, its size, its body (bytes, or a list of child elements' bytes). */
function element(id, body) {
  const data = Array.isArray(body) ? concat(body.map((part) => (part instanceof Uint8Array ? part : Uint8Array.from(part)))) : body;
  return concat([Uint8Array.from(idBytes(id)), Uint8Array.from(sizeBytes(data.length)), data]);
}

const uint = (id, value, width) => element(id, Uint8Array.from(uintBytes(value, width)));
const text = (id, value) => element(id, new TextEncoder().encode(value));
const float = (id, value) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return element(id, bytes);
};

/** A SimpleBlock of track `track` (1 or 2): `relativeMs` after its cluster's timestamp. */
function simpleBlock(frame, track, relativeMs) {
  const header = new Uint8Array(4);
  header[0] = 0x80 | track; // the track number as a 1-byte variable-length integer
  new DataView(header.buffer).setInt16(1, relativeMs);
  header[3] = frame.key ? 0x80 : 0x00;
  return element(ID.SimpleBlock, [header, frame.data]);
}

/** The track entry of the sound: Opus, with its OpusHead as the codec's private data. */
function soundTrack({ sampleRate, channels, description: opusHead }) {
  return element(ID.TrackEntry, [
    uint(ID.TrackNumber, 2),
    uint(ID.TrackUID, 2),
    uint(ID.TrackType, 2), // audio
    uint(ID.FlagLacing, 0),
    text(ID.CodecID, 'A_OPUS'),
    ...(opusHead ? [element(ID.CodecPrivate, opusHead)] : []),
    uint(ID.CodecDelay, Math.round(opusPreSkip(opusHead) / 48000 * 1e9)), // ns
    uint(ID.SeekPreRoll, 80_000_000), // 80 ms, as the Opus mapping asks
    element(ID.Audio, [float(ID.SamplingFrequency, sampleRate), uint(ID.Channels, channels)]),
  ]);
}

/**
 * The WebM file (bytes) of `frames`: `[{ data: Uint8Array, timestamp: µs, key: boolean }]` in
 * decoding order, the first a key frame; `codec` as WebCodecs names it ('vp8', 'vp09…');
 * `frameDuration` in µs (the last frame's, and the track's default unless the frames are not
 * `steady`, at a rate of their own: then each lasts until the next); `colorSpace` (a VideoFrame's:
 * matrix, range, transfer, primaries) is written as the track's Colour, for players that read it.
 * `sound` (optional): `{ sampleRate, channels, description: the OpusHead (Uint8Array) | null, packets: [{ data, timestamp: µs }] }`.
 */
export function webmFile({ codec, width, height, colorSpace = null, frames, frameDuration, steady = true, sound = null }) {
  if (frames.length === 0 || !frames[0].key) throw new Error('a WebM video starts with a key frame');
  const ms = (us) => Math.round(us / 1000);
  const header = element(ID.EBML, [
    uint(ID.EBMLVersion, 1),
    uint(ID.EBMLReadVersion, 1),
    uint(ID.EBMLMaxIDLength, 4),
    uint(ID.EBMLMaxSizeLength, 8),
    text(ID.DocType, 'webm'),
    uint(ID.DocTypeVersion, 2),
    uint(ID.DocTypeReadVersion, 2),
  ]);
  // The file lasts as long as its longer track (a packet without a duration: Opus's usual 20 ms).
  const lastPacket = sound?.packets.at(-1);
  const end = Math.max(frames.at(-1).timestamp + frameDuration, lastPacket ? lastPacket.timestamp + (lastPacket.duration ?? 20_000) : 0);
  const info = element(ID.Info, [
    uint(ID.TimestampScale, 1_000_000), // timestamps in milliseconds
    float(ID.Duration, end / 1000),
    text(ID.MuxingApp, 'Unpaired'),
    text(ID.WritingApp, 'Unpaired'),
  ]);
  const tracks = element(ID.Tracks, [
    element(ID.TrackEntry, [
      uint(ID.TrackNumber, 1),
      uint(ID.TrackUID, 1),
      uint(ID.TrackType, 1), // video
      uint(ID.FlagLacing, 0),
      text(ID.CodecID, codecId(codec)),
      ...(steady ? [uint(ID.DefaultDuration, Math.round(frameDuration * 1000))] : []), // ns
      element(ID.Video, [uint(ID.PixelWidth, width), uint(ID.PixelHeight, height), colour(colorSpace)].filter(Boolean)),
    ]),
    ...(sound ? [soundTrack(sound)] : []),
  ]);
  // Every block in time order (a video frame before a sound packet of the same time); a cluster
  // from each video key frame on (and before a block's offset would leave the 16-bit range).
  const blocks = [
    ...frames.map((frame) => ({ frame, track: 1 })),
    ...(sound?.packets ?? []).map((packet) => ({ frame: { ...packet, key: true }, track: 2 })),
  ].sort((a, b) => a.frame.timestamp - b.frame.timestamp || a.track - b.track);
  const clusters = [];
  let current = null;
  for (const { frame, track } of blocks) {
    const at = ms(frame.timestamp);
    if (!current || (track === 1 && frame.key) || at - current.start > 30_000) {
      current = { start: at, blocks: [] };
      clusters.push(current);
    }
    current.blocks.push(simpleBlock(frame, track, at - current.start));
  }
  const clusterBytes = clusters.map((cluster) => element(ID.Cluster, [uint(ID.Timestamp, cluster.start), ...cluster.blocks]));
  // Positions are from the start of the Segment's body. The SeekHead's size does not depend on
  // them (8-byte positions), so it is laid out once with zeros, then again with the real ones.
  const seekHead = (positions) => element(ID.SeekHead, positions.map(([id, position]) =>
    element(ID.Seek, [element(ID.SeekID, Uint8Array.from(idBytes(id))), uint(ID.SeekPosition, position, 8)])));
  const headLength = seekHead([[ID.Info, 0], [ID.Tracks, 0], [ID.Cues, 0]]).length;
  const infoAt = headLength;
  const tracksAt = infoAt + info.length;
  let position = tracksAt + tracks.length;
  const cuePoints = [];
  clusters.forEach((cluster, index) => {
    cuePoints.push(element(ID.CuePoint, [
      uint(ID.CueTime, cluster.start),
      element(ID.CueTrackPositions, [uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, position, 8)]),
    ]));
    position += clusterBytes[index].length;
  });
  const cues = element(ID.Cues, cuePoints);
  const head = seekHead([[ID.Info, infoAt], [ID.Tracks, tracksAt], [ID.Cues, position]]);
  const segment = element(ID.Segment, [head, info, tracks, ...clusterBytes, cues]);
  return concat([header, segment]);
}
