// The MP4 writer (www/mp4.js) read back with a small box reader (mp4-boxes.mjs) written from
// ISO/IEC 14496-12: the layout (ftyp, moov before mdat, sizes adding up), each sample's bytes,
// times and key flag from the sample tables, reordered frames (ctts and the edit list), Opus's
// and AAC's sample entries, and 64-bit offsets past 4 GiB. Run: `node --test mp4.test.mjs`. That
// browsers play the files is checked in Chromium (the video tests there).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { concat as join } from '../../www/media-codes.js';
import { mp4Parts } from '../../www/mp4.js';
import { bodyOf, findBox, mp4Tracks, readBoxes } from './mp4-boxes.mjs';

/** An avcC as an encoder gives it (version 1, High profile, level 3.1, one SPS and one PPS). */
const AVCC = Uint8Array.from([1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xee]);
/** An OpusHead: stereo, pre-skip 312, 48 kHz input, gain 0, mapping family 0. */
const OPUS_HEAD = Uint8Array.from([...'OpusHead'].map((c) => c.charCodeAt(0)).concat([1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]));

const frame = (index, key, timestamp = index * 100_000) => ({ data: Uint8Array.from([index, 9, 8, 7, index, index]), timestamp, key });
const COLOURS = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false };

describe('mp4.js', () => {
  const frames = Array.from({ length: 12 }, (_, index) => frame(index, index % 5 === 0));
  const packets = Array.from({ length: 60 }, (_, index) => ({ data: Uint8Array.from([200, index]), timestamp: index * 20_000, duration: 20_000 }));
  const file = join(mp4Parts({
    width: 48, height: 40, description: AVCC, colorSpace: COLOURS, frames, frameDuration: 100_000,
    sound: { codec: 'opus', sampleRate: 48_000, channels: 2, description: OPUS_HEAD, packets },
  }));

  it('lays out ftyp, moov, then mdat, their sizes adding up to the file', () => {
    const boxes = readBoxes(file);
    assert.deepEqual(boxes.map((found) => found.type), ['ftyp', 'moov', 'mdat'], 'moov first: players start before reading the rest');
    assert.equal(boxes.at(-1).start + boxes.at(-1).size, file.length);
    assert.equal(String.fromCharCode(...bodyOf(file, boxes[0]).subarray(0, 4)), 'isom');
    const moov = boxes[1];
    assert.deepEqual(moov.children.map((found) => found.type), ['mvhd', 'trak', 'trak']);
    const mvhd = new DataView(file.buffer, moov.children[0].body[0]);
    assert.equal(mvhd.getUint32(12), 1000, 'movie timescale');
    assert.equal(mvhd.getUint32(16), 1200, '12 frames of 100 ms');
  });

  it('places every video frame at its time, with its bytes and key flag, and describes the track', () => {
    const [video] = mp4Tracks(file);
    assert.equal(video.handler, 'vide');
    assert.equal(video.entry.type, 'avc1');
    const entry = new DataView(file.buffer, video.entry.body[0]);
    assert.deepEqual([entry.getUint16(24), entry.getUint16(26)], [48, 40], 'width and height');
    assert.deepEqual(bodyOf(file, findBox([video.entry], 'avcC')), AVCC, 'the encoder\'s avcC, as it is');
    assert.deepEqual([...bodyOf(file, findBox([video.entry], 'colr'))], [...'nclx'].map((c) => c.charCodeAt(0)).concat([0, 6, 0, 6, 0, 6, 0]), 'BT.601 limited range');
    assert.equal(video.samples.length, frames.length);
    video.samples.forEach((sample, index) => {
      assert.deepEqual(sample.data, frames[index].data, `frame ${index}'s bytes`);
      assert.equal(sample.show / video.timescale, index / 10, `frame ${index}'s time`);
      assert.equal(sample.key, frames[index].key, `frame ${index}'s key flag`);
    });
    assert.equal(video.duration / video.timescale, 1.2);
    assert.equal(video.edit, null, 'frames in order need no edit list');
    assert.equal(findBox([findBox(readBoxes(file), 'moov')], 'ctts'), null);
  });

  it('writes the Opus sound with its dOps, its pre-skip left out by the edit list, interleaved with the video', () => {
    const [video, sound] = mp4Tracks(file);
    assert.equal(sound.handler, 'soun');
    assert.equal(sound.entry.type, 'Opus');
    assert.equal(sound.timescale, 48_000);
    assert.deepEqual([...bodyOf(file, findBox([sound.entry], 'dOps'))], [0, 2, 0x01, 0x38, 0, 0, 0xbb, 0x80, 0, 0, 0], 'version, channels, pre-skip 312, 48 kHz, gain, family (big-endian)');
    assert.deepEqual(sound.edit, { segment: Math.round((60 * 960 - 312) / 48), mediaTime: 312 });
    sound.samples.forEach((sample, index) => {
      assert.deepEqual(sample.data, packets[index].data);
      assert.equal(sample.decode, index * 960);
    });
    // Interleaved: the sound's first samples lie between the video's, not after all of them.
    assert.ok(sound.samples[0].offset < video.samples.at(-1).offset && video.samples[0].offset < sound.samples[0].offset);
    // In the file, in time order: no sample of either track lies more than a chunk apart from
    // the samples of the other track of about the same time.
    const byPlace = [...video.samples.map((s) => ({ at: s.offset, time: s.show / video.timescale })), ...sound.samples.map((s) => ({ at: s.offset, time: s.decode / sound.timescale }))]
      .sort((a, b) => a.at - b.at);
    byPlace.forEach(({ time }, index) => {
      if (index > 0) assert.ok(time >= byPlace[index - 1].time - 0.5, `samples placed in about time order: ${time} after ${byPlace[index - 1].time}`);
    });
  });

  it('gives reordered frames (B-frames) composition offsets and starts the track at the first frame shown', () => {
    // Decoding order I P B B P B: shown at 0, 3, 1, 2, 5, 4 frame times.
    const order = [0, 3, 1, 2, 5, 4];
    const reordered = order.map((shown, index) => frame(index, index === 0, shown * 40_000));
    const [video] = mp4Tracks(join(mp4Parts({ width: 16, height: 16, description: AVCC, frames: reordered, frameDuration: 40_000 })));
    const frameTime = video.timescale * 0.04;
    assert.ok(video.edit, 'an edit list');
    const shown = video.samples.map((sample) => (sample.show - video.edit.mediaTime) / frameTime);
    assert.deepEqual(shown, order, 'each frame shown at its time, the first at 0');
    video.samples.forEach((sample) => assert.ok(sample.show >= sample.decode, 'no frame shown before it is decoded'));
    assert.equal(video.edit.segment, 240, '6 frames of 40 ms');
  });

  it('writes AAC as mp4a with its AudioSpecificConfig in esds', () => {
    const config = Uint8Array.from([0x11, 0x90]); // AAC LC, 48 kHz, stereo
    const bytes = join(mp4Parts({
      width: 16, height: 16, description: AVCC, frames: frames.slice(0, 3), frameDuration: 100_000,
      sound: { codec: 'aac', sampleRate: 44_100, channels: 2, description: config, bitrate: 128_000, packets: packets.slice(0, 10) },
    }));
    const [, sound] = mp4Tracks(bytes);
    assert.equal(sound.entry.type, 'mp4a');
    assert.equal(sound.timescale, 44_100);
    assert.equal(sound.edit, null, 'no pre-skip');
    const entry = new DataView(bytes.buffer, sound.entry.body[0]);
    assert.deepEqual([entry.getUint16(16), entry.getUint16(18), entry.getUint32(24) / 0x10000], [2, 16, 44_100], 'channels, sample size, rate');
    // ES_Descriptor (3) ⊃ DecoderConfigDescriptor (4: MPEG-4 audio, an audio stream) ⊃
    // DecoderSpecificInfo (5: the AudioSpecificConfig), then SLConfigDescriptor (6).
    const esds = bodyOf(bytes, findBox([sound.entry], 'esds')).subarray(4);
    const descriptors = [];
    const read = (from, to) => {
      for (let at = from; at < to;) {
        const tag = esds[at];
        let length = 0;
        let k = at + 1;
        do length = (length << 7) | (esds[k] & 0x7f); while (esds[k++] & 0x80);
        descriptors.push({ tag, body: esds.subarray(k, k + length) });
        if (tag === 3) read(k + 3, k + length);
        if (tag === 4) read(k + 13, k + length);
        at = k + length;
      }
    };
    read(0, esds.length);
    assert.deepEqual(descriptors.map(({ tag }) => tag), [3, 4, 5, 6]);
    const decoderConfig = descriptors[1].body;
    assert.deepEqual([decoderConfig[0], decoderConfig[1] >> 2], [0x40, 0x05], 'MPEG-4 audio, an audio stream');
    assert.deepEqual(descriptors[2].body, config);
  });

  it('uses 64-bit chunk offsets and a 64-bit mdat size past 4 GiB', () => {
    // The writer only reads the frames' lengths (their bytes go into the Blob as they are).
    const huge = Array.from({ length: 4 }, (_, index) => ({ data: { length: 1_500_000_000 }, timestamp: index * 1_000_000, key: index === 0 })); // a chunk each
    const parts = mp4Parts({ width: 16, height: 16, description: AVCC, frames: huge, frameDuration: 1_000_000 });
    const head = join(parts.slice(0, 2));
    const moov = readBoxes(head)[1];
    assert.equal(findBox([moov], 'stco'), null);
    const co64 = findBox([moov], 'co64');
    const view = new DataView(head.buffer, co64.body[0]);
    const mdatHeader = parts[2];
    assert.deepEqual([String.fromCharCode(...mdatHeader.subarray(4, 8)), new DataView(mdatHeader.buffer).getUint32(0)], ['mdat', 1], 'a 64-bit mdat size');
    assert.equal(Number(new DataView(mdatHeader.buffer).getBigUint64(8)), 6_000_000_016);
    const count = view.getUint32(4);
    const offsets = Array.from({ length: count }, (_, i) => Number(view.getBigUint64(8 + 8 * i)));
    assert.equal(offsets[0], head.length + 16, 'the first chunk right after the mdat header');
    assert.ok(offsets.at(-1) > 0xffff_ffff, `an offset past 4 GiB: ${offsets.at(-1)}`);
  });

  it('refuses a video without a key frame first or without its avcC', () => {
    assert.throws(() => mp4Parts({ width: 16, height: 16, description: AVCC, frames: [frame(0, false)], frameDuration: 1 }), /starts with a key frame/);
    assert.throws(() => mp4Parts({ width: 16, height: 16, description: null, frames: [frame(0, true)], frameDuration: 1 }), /avcC/);
  });
});
