// The WebM writer (www/webm.js) read back with a small EBML reader (ebml.mjs) written from the
// Matroska specification: the header, the Segment's layout, the SeekHead's and the Cues'
// positions, the clusters, each block's time, key flag and bytes. Run: `node --test
// webm.test.mjs`. That browsers play the files is checked in Chromium and Firefox (the video tests
// there).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { codecId, webmFile } from '../../www/webm.js';
import { child, children, elements, text, uint, vint } from './ebml.mjs';

describe('webm.js', () => {
  const frame = (index, key) => ({ data: Uint8Array.from([index, 1, 2, 3, index]), timestamp: index * 100_000, key });
  const frames = [frame(0, true), frame(1, false), frame(2, false), frame(3, true), frame(4, false)];
  const file = webmFile({ codec: 'vp8', width: 48, height: 40, frames, frameDuration: 100_000 });

  it('writes the EBML header and one Segment laid out as players expect', () => {
    const [header, segment, ...rest] = elements(file);
    assert.equal(rest.length, 0);
    assert.equal(header.id, 0x1a45dfa3);
    assert.equal(text(child(file, header, 0x4282)), 'webm');
    assert.equal(uint(child(file, header, 0x4287)), 2);
    assert.equal(segment.id, 0x18538067);
    assert.deepEqual(children(file, segment).map((e) => e.id.toString(16)),
      ['114d9b74', '1549a966', '1654ae6b', '1f43b675', '1f43b675', '1c53bb6b'], 'SeekHead, Info, Tracks, two Clusters, Cues');
  });

  it('describes the track and the duration', () => {
    const segment = elements(file)[1];
    const info = child(file, segment, 0x1549a966);
    assert.equal(uint(child(file, info, 0x2ad7b1)), 1_000_000);
    const duration = child(file, info, 0x4489);
    assert.equal(new DataView(duration.body.buffer, duration.body.byteOffset, 8).getFloat64(0), 500, '5 frames of 100 ms');
    const track = child(file, child(file, segment, 0x1654ae6b), 0xae);
    assert.equal(uint(child(file, track, 0xd7)), 1);
    assert.equal(uint(child(file, track, 0x83)), 1, 'a video track');
    assert.equal(text(child(file, track, 0x86)), 'V_VP8');
    assert.equal(uint(child(file, track, 0x23e383)), 100_000_000, 'default duration in ns');
    const video = child(file, track, 0xe0);
    assert.deepEqual([uint(child(file, video, 0xb0)), uint(child(file, video, 0xba))], [48, 40]);
  });

  it('leaves out the default duration of frames at no steady rate (the camera\'s), and ends the last one after its own', () => {
    const uneven = [frame(0, true), { ...frame(1, false), timestamp: 130_000 }, { ...frame(2, false), timestamp: 170_000 }];
    const bytes = webmFile({ codec: 'vp8', width: 48, height: 40, frames: uneven, frameDuration: 250_000, steady: false });
    const segment = elements(bytes)[1];
    const track = child(bytes, child(bytes, segment, 0x1654ae6b), 0xae);
    assert.equal(child(bytes, track, 0x23e383), undefined);
    const duration = child(bytes, child(bytes, segment, 0x1549a966), 0x4489);
    assert.equal(new DataView(duration.body.buffer, duration.body.byteOffset, 8).getFloat64(0), 420, 'the last frame at 170 ms, shown for 250 ms');
  });

  it('puts each key frame first in a cluster, with every block\'s time, flag and bytes', () => {
    const segment = elements(file)[1];
    const clusters = children(file, segment).filter((e) => e.id === 0x1f43b675);
    const read = clusters.map((cluster) => {
      const [timestamp, ...blocks] = children(file, cluster);
      assert.equal(timestamp.id, 0xe7);
      return {
        start: uint(timestamp),
        blocks: blocks.map((block) => {
          assert.equal(block.id, 0xa3);
          const view = new DataView(block.body.buffer, block.body.byteOffset, block.body.length);
          return { track: block.body[0] & 0x7f, at: view.getInt16(1), key: (block.body[3] & 0x80) !== 0, data: [...block.body.subarray(4)] };
        }),
      };
    });
    assert.deepEqual(read, [
      { start: 0, blocks: [0, 1, 2].map((i) => ({ track: 1, at: i * 100, key: i === 0, data: [i, 1, 2, 3, i] })) },
      { start: 300, blocks: [3, 4].map((i) => ({ track: 1, at: (i - 3) * 100, key: i === 3, data: [i, 1, 2, 3, i] })) },
    ]);
  });

  it('points the SeekHead and the Cues at the right elements', () => {
    const segment = elements(file)[1];
    const at = (position) => vint(file, segment.start + position, true).value;
    for (const seek of children(file, child(file, segment, 0x114d9b74))) {
      const id = child(file, seek, 0x53ab).body.reduce((value, byte) => value * 256 + byte, 0);
      assert.equal(at(uint(child(file, seek, 0x53ac))), id, `the SeekHead's entry for ${id.toString(16)}`);
    }
    const cues = children(file, child(file, segment, 0x1c53bb6b));
    assert.equal(cues.length, 2, 'one cue per cluster');
    const clusters = children(file, segment).filter((e) => e.id === 0x1f43b675);
    cues.forEach((cue, index) => {
      assert.equal(uint(child(file, cue, 0xb3)), [0, 300][index]);
      const positions = child(file, cue, 0xb7);
      assert.equal(uint(child(file, positions, 0xf7)), 1);
      assert.equal(segment.start + uint(child(file, positions, 0xf1)), clusters[index].at);
    });
  });

  it('writes the colour space it is given as the track\'s Colour, and none without one', () => {
    const coloured = webmFile({ codec: 'vp8', width: 48, height: 40, frames, frameDuration: 100_000,
      colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'smpte170m', fullRange: false } });
    const videoOf = (bytes) => {
      const segment = elements(bytes)[1];
      return child(bytes, child(bytes, child(bytes, segment, 0x1654ae6b), 0xae), 0xe0);
    };
    const colourElement = child(coloured, videoOf(coloured), 0x55b0);
    const values = Object.fromEntries(children(coloured, colourElement).map((e) => [e.id.toString(16), uint(e)]));
    assert.deepEqual(values, { '55b1': 6, '55b9': 1, '55ba': 13, '55bb': 1 }, 'BT.601 matrix, limited range, sRGB transfer, BT.709 primaries');
    assert.equal(child(file, videoOf(file), 0x55b0), undefined);
  });

  it('adds the sound as an Opus track, its packets interleaved with the frames by time', () => {
    const opusHead = Uint8Array.from([...new TextEncoder().encode('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]); // pre-skip 312
    const packets = [0, 150_000, 300_000, 450_000].map((timestamp, index) => ({ data: Uint8Array.from([9, index]), timestamp }));
    const withSound = webmFile({ codec: 'vp8', width: 48, height: 40, frames, frameDuration: 100_000, sound: { sampleRate: 48_000, channels: 2, description: opusHead, packets } });
    const segment = elements(withSound)[1];
    const [video, audio] = children(withSound, child(withSound, segment, 0x1654ae6b));
    assert.equal(uint(child(withSound, video, 0xd7)), 1);
    assert.equal(uint(child(withSound, audio, 0xd7)), 2);
    assert.equal(uint(child(withSound, audio, 0x83)), 2, 'an audio track');
    assert.equal(text(child(withSound, audio, 0x86)), 'A_OPUS');
    assert.deepEqual([...child(withSound, audio, 0x63a2).body], [...opusHead], 'the OpusHead as the codec\'s private data');
    assert.equal(uint(child(withSound, audio, 0x56aa)), 6_500_000, 'codec delay: 312 samples at 48 kHz, in ns');
    assert.equal(uint(child(withSound, audio, 0x56bb)), 80_000_000);
    const settings = child(withSound, audio, 0xe1);
    const rate = child(withSound, settings, 0xb5);
    assert.equal(new DataView(rate.body.buffer, rate.body.byteOffset, 8).getFloat64(0), 48_000);
    assert.equal(uint(child(withSound, settings, 0x9f)), 2);
    const lasting = (bytes) => {
      const duration = child(bytes, child(bytes, elements(bytes)[1], 0x1549a966), 0x4489);
      return new DataView(duration.body.buffer, duration.body.byteOffset, 8).getFloat64(0);
    };
    assert.equal(lasting(withSound), 500, 'the video ends last: 5 frames of 100 ms');
    const longer = webmFile({ codec: 'vp8', width: 48, height: 40, frames, frameDuration: 100_000, sound: { sampleRate: 48_000, channels: 2, description: opusHead, packets: [...packets, { data: Uint8Array.from([9]), timestamp: 900_000, duration: 60_000 }] } });
    assert.equal(lasting(longer), 960, 'the sound ends last: its last packet at 900 ms, 60 ms long');
    const order = children(withSound, segment).filter((e) => e.id === 0x1f43b675).map((cluster) => {
      const [timestamp, ...blocks] = children(withSound, cluster);
      return blocks.map((block) => `${block.body[0] & 0x7f}@${uint(timestamp) + new DataView(block.body.buffer, block.body.byteOffset + 1, 2).getInt16(0)}`);
    });
    assert.deepEqual(order, [['1@0', '2@0', '1@100', '2@150', '1@200'], ['1@300', '2@300', '1@400', '2@450']],
      'track@ms: a frame before a packet of the same time, clusters opened by key frames only');
  });

  it('names VP8 and VP9, refuses other codecs, and a video that does not start with a key frame', () => {
    assert.equal(codecId('vp8'), 'V_VP8');
    assert.equal(codecId('vp09.00.10.08'), 'V_VP9');
    assert.throws(() => codecId('avc1.42001f'), /no WebM codec ID/);
    assert.throws(() => webmFile({ codec: 'vp8', width: 8, height: 8, frames: [frame(0, false)], frameDuration: 1000 }), /starts with a key frame/);
    assert.throws(() => webmFile({ codec: 'vp8', width: 8, height: 8, frames: [], frameDuration: 1000 }), /starts with a key frame/);
  });
});
