// A test video whose frames show their own numbers, so that a test can tell which frames of it a
// video made from it holds: made in the page (WebCodecs' VP8 and the app's webm.js) and read back
// there frame by frame (WebCodecs' VideoDecoder: every frame, none skipped or shown twice as a
// player might). `encodeNumbered` and `readFrames` run in the page: Playwright's `evaluate`
// takes them as they are, WebDriver as `scriptOf(…)`.

import assert from 'node:assert/strict';

import { videoBlocks } from './ebml.mjs';
import { bodyOf, findBox, mp4Tracks } from './mp4-boxes.mjs';

/** How many stripes a frame's number takes: in binary, most significant first. */
export const NUMBER_BITS = 8;

/** `fn` called with `args` in the page, as a WebDriver script (a function body). */
export const scriptOf = (fn, args) => `return (${fn})(${JSON.stringify(args)});`;

/**
 * In the page: a WebM of `seconds` at `fps`, `width × height`, a key frame every `keyEvery` frames
 * (0: the first only, as in the long stretches between a camera's key frames). Frame i shows i as
 * `bits` black or white stripes over its top half, and shapes moving over a gradient below. With
 * `toneSeconds`, a 440 Hz tone (Opus, mono) that long goes with it (longer than the picture: a
 * file whose sound outlasts its picture). Resolves to the file's bytes in base64.
 */
export async function encodeNumbered({ width, height, fps, seconds, keyEvery, bits, toneSeconds = 0 }) {
  const { webmFile } = await import('./webm.js');
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  const frames = [];
  let failure = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      frames.push({ data, timestamp: chunk.timestamp, key: chunk.type === 'key' });
    },
    error: (error) => { failure = error; },
  });
  encoder.configure({ codec: 'vp8', width, height, framerate: fps, bitrate: 8_000_000 });
  const frameDuration = Math.round(1e6 / fps);
  for (let i = 0; i < Math.round(seconds * fps); i++) {
    const gradient = context.createLinearGradient(0, 0, width, height);
    gradient.addColorStop(0, `hsl(${i * 3}, 50%, 40%)`);
    gradient.addColorStop(1, '#a63');
    context.fillStyle = gradient;
    context.fillRect(0, 0, width, height);
    for (let k = 0; k < 12; k++) {
      context.fillStyle = `hsl(${k * 37}, 70%, 50%)`;
      context.fillRect((k * 97 + i * (k + 1) * 2) % width, height / 2 + ((k * 53 + i * 3) % (height / 2)), width / 16, height / 8);
    }
    for (let bit = 0; bit < bits; bit++) {
      context.fillStyle = (i >> (bits - 1 - bit)) & 1 ? '#fff' : '#000';
      context.fillRect((bit * width) / bits, 0, width / bits, height / 2);
    }
    const frame = new VideoFrame(canvas, { timestamp: i * frameDuration, duration: frameDuration });
    encoder.encode(frame, { keyFrame: keyEvery > 0 ? i % keyEvery === 0 : i === 0 });
    frame.close();
    while (encoder.encodeQueueSize > 4) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await encoder.flush();
  if (failure) throw failure;
  let sound = null;
  if (toneSeconds > 0) {
    sound = { sampleRate: 48_000, channels: 1, description: null, packets: [] };
    const audio = new AudioEncoder({
      output: (chunk, metadata) => {
        const given = metadata?.decoderConfig?.description;
        if (given && !sound.description) sound.description = new Uint8Array(ArrayBuffer.isView(given) ? given.buffer.slice(given.byteOffset, given.byteOffset + given.byteLength) : given.slice(0));
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        sound.packets.push({ data, timestamp: chunk.timestamp });
      },
      error: (error) => { failure = error; },
    });
    audio.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 1, bitrate: 64_000 });
    for (let start = 0; start < toneSeconds * 48_000; start += 48_000) {
      const samples = Float32Array.from({ length: Math.min(48_000, toneSeconds * 48_000 - start) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * (start + i)) / 48_000));
      const data = new AudioData({ format: 'f32-planar', sampleRate: 48_000, numberOfFrames: samples.length, numberOfChannels: 1, timestamp: Math.round((start / 48_000) * 1e6), data: samples });
      audio.encode(data);
      data.close();
    }
    await audio.flush();
    if (failure) throw failure;
  }
  const bytes = webmFile({ codec: 'vp8', width, height, frames, frameDuration, sound });
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The video frames of a WebM file (VP8), as `readFrames` takes them: `{ time (ms), key, data (base64) }`. */
export function videoChunks(bytes) {
  return videoBlocks(bytes).map(({ time, key, data }) => ({ time, key, data: Buffer.from(data).toString('base64') }));
}

/**
 * What `readFrames` takes to decode a video made by the page, a WebM (VP8) or an MP4 (H.264,
 * described by its avcC): `{ codec, description (base64) | null, chunks }`.
 */
export function videoToDecode(bytes) {
  const file = Uint8Array.from(bytes);
  if (String.fromCharCode(...file.subarray(4, 8)) !== 'ftyp') return { codec: 'vp8', description: null, chunks: videoChunks(bytes) };
  const video = mp4Tracks(file).find((track) => track.handler === 'vide');
  const avcC = bodyOf(file, findBox([video.entry], 'avcC'));
  const hex = (byte) => byte.toString(16).padStart(2, '0');
  return {
    codec: `avc1.${hex(avcC[1])}${hex(avcC[2])}${hex(avcC[3])}`,
    description: Buffer.from(avcC).toString('base64'),
    chunks: video.samples.map(({ show, key, data }) => ({ time: (show / video.timescale) * 1000, key, data: Buffer.from(data).toString('base64') })),
  };
}

/**
 * In the page: decodes the frames `chunks` (`videoChunks`, or `videoToDecode`'s with its `codec`
 * and `description`), in order, and reads from each the number (`encodeNumbered`'s, of `bits`
 * bits; none when 0) shown in its left `share` of the width (1, or 1/2 for a video with the
 * original beside); with `last`, also the last frame's pixels. `{ numbers, last }`, `last` being
 * `{ width, height, rgba }` or null.
 */
export async function readFrames({ chunks, codec = 'vp8', description = null, share = 1, bits = 0, last = false }) {
  const numbers = [];
  let failure = null;
  let context = null;
  let kept = null;
  const decoder = new VideoDecoder({
    output: (frame) => {
      if (bits > 0) {
        const width = Math.round(frame.displayWidth * share);
        const height = frame.displayHeight;
        context ??= Object.assign(document.createElement('canvas'), { width, height }).getContext('2d', { willReadFrequently: true });
        context.drawImage(frame, 0, 0, width, height, 0, 0, width, height);
        let number = 0;
        for (let bit = 0; bit < bits; bit++) {
          // The middle of the stripe, away from its edges (blurred by scaling and the codec).
          const x = Math.floor(((bit + 0.25) * width) / bits);
          const { data: pixels } = context.getImageData(x, Math.floor(height / 8), Math.max(1, Math.floor(width / bits / 2)), Math.max(1, Math.floor(height / 4)));
          let sum = 0;
          for (let i = 0; i < pixels.length; i += 4) sum += pixels[i] + pixels[i + 1] + pixels[i + 2];
          number = number * 2 + (sum / (pixels.length / 4) / 3 > 128 ? 1 : 0);
        }
        numbers.push(number);
      }
      kept?.close();
      kept = last ? frame : null;
      if (!last) frame.close();
    },
    error: (error) => { failure = error; },
  });
  decoder.configure({ codec, ...(description ? { description: Uint8Array.from(atob(description), (c) => c.charCodeAt(0)) } : {}) });
  for (const { time, key, data } of chunks) {
    decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: Math.round(time * 1000), data: Uint8Array.from(atob(data), (c) => c.charCodeAt(0)) }));
  }
  await decoder.flush();
  if (failure) throw failure;
  if (!kept) return { numbers, last: null };
  const canvas = Object.assign(document.createElement('canvas'), { width: kept.displayWidth, height: kept.displayHeight });
  const whole = canvas.getContext('2d');
  whole.drawImage(kept, 0, 0);
  kept.close();
  return { numbers, last: { width: canvas.width, height: canvas.height, rgba: Array.from(whole.getImageData(0, 0, canvas.width, canvas.height).data) } };
}

/**
 * The frames of `numbers` (the source's frame numbers that the frames of a video made at `fps`
 * from one at `sourceFps` show) that are not at their times: frame k must be the source's frame
 * at k/fps s, or one after it within half a frame's time (when the browser skipped the one wanted
 * while playing), each once and in order. `[{ k, number, wanted }]`.
 */
export function framesOutOfTime(numbers, { fps, sourceFps }) {
  return numbers
    .map((number, k) => ({ k, number, wanted: (k * sourceFps) / fps }))
    .filter(({ k, number, wanted }) => !(number >= wanted && number <= wanted + sourceFps / fps / 2 && (k === 0 || number > numbers[k - 1])));
}

/** Asserts that a video `seconds` long has every frame at its time (`framesOutOfTime`). */
export function assertFramesAtTheirTimes(numbers, { fps, sourceFps, seconds }) {
  assert.equal(numbers.length, Math.round(seconds * fps), `${seconds} s at ${fps} frames a second`);
  const [first] = framesOutOfTime(numbers, { fps, sourceFps });
  assert.ok(!first, first && `at ${fps} frames a second, frame ${first.k} is the source's frame ${first.number}, not ${first.wanted}: ${numbers}`);
}
