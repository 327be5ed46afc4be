// A video file made from translated frames, as Video mode and the camera's recording make them:
// each frame (RGBA pixels) turned into BT.601 YUV (yuv.js: the colours every player assumes) and
// encoded with WebCodecs' VideoEncoder: H.264 for an MP4 (what phones, Safari and messaging apps
// play), VP8 (else VP9) for a WebM, as chosen; an MP4 this browser cannot encode is made a WebM,
// which `formatNote` says. Frames carry their own times, so a video may have a steady frame rate
// (a file's frames) or not (the camera's, as fast as they are translated). Sound (an AudioBuffer)
// is encoded with AudioEncoder, AAC where the browser has it, else Opus. mp4.js or webm.js writes
// the file.

import { FriendlyError } from './errors.js';
import { mp4Parts } from './mp4.js';
import { webmFile } from './webm.js';
import { I420_COLOR_SPACE, i420 } from './yuv.js';

/** Sound is encoded at 48 kHz (what Opus works at). */
export const SOUND_RATE = 48_000;
/** A key frame at least this often, in µs (a WebM cluster each, so players seek quickly). */
const KEY_FRAME_US = 2_000_000;
/** WebM's codecs, in order: VP8 plays everywhere WebM does; VP9 where VP8 cannot be encoded. */
const WEBM_CODECS = ['vp8', 'vp09.00.10.08'];
/** H.264 profiles tried for an MP4, best first: High, Main, Constrained Baseline (profile_idc and constraint byte). */
const H264_PROFILES = ['6400', '4d00', '42e0'];
/**
 * H.264 levels (ITU-T H.264 Table A-1): level_idc, the most macroblocks a frame and a second may
 * have. The lowest that holds the frames is asked for; larger frames than 5.2 allows: no MP4.
 */
const H264_LEVELS = [[30, 1620, 40_500], [31, 3600, 108_000], [32, 5120, 216_000], [40, 8192, 245_760], [42, 8704, 522_240], [50, 22_080, 589_824], [51, 36_864, 983_040], [52, 36_864, 2_073_600]];
/** How each container is offered: its MIME type, the name the download button gives it, and its "Save as" choice. */
export const CONTAINERS = {
  mp4: { type: 'video/mp4', label: 'MP4', choice: 'MP4 (H.264)' },
  webm: { type: 'video/webm', label: 'WebM', choice: 'WebM (VP8)' },
};

/** Whether this browser can make videos (WebCodecs' VideoEncoder, from a secure page). */
export const canMakeVideos = () => typeof VideoEncoder === 'function' && typeof VideoFrame === 'function';

export class VideoWriter {
  /**
   * @param {{ format: 'mp4' | 'webm', fps: number, source: string, steady?: boolean }} options
   *   `fps`: the rate the encoder plans for; `steady`: whether frames come at that rate (a file's)
   *   or at any time (the camera's, as fast as they are translated); `source`: what the frames
   *   are of, for sentences ("“clip.mov”", "the camera").
   */
  constructor({ format, fps, source, steady = true }) {
    this.format = format;
    this.fps = fps;
    this.source = source;
    this.steady = steady;
    this.encoder = null;
    this.codec = null;
    this.container = null; // 'mp4' or 'webm', once the first frame has chosen the encoder
    this.formatNote = '';
    this.description = null; // H.264's avcC, from the encoder
    this.size = null; // { width, height }, even, from the first frame
    this.chunks = [];
    this.lastKey = -Infinity;
    this.added = 0; // frames given to the encoder
    this.pending = null; // the `add` under way, which `end` waits for
    this.error = null; // the encoder's own failure: the video cannot be finished
    this.tries = []; // the encoders not tried yet ({ container, config }), best first
    this.kept = []; // the frames given ({ yuv, timestamp, keyFrame }) while the encoder has given nothing back
    this.failedH264 = false; // an H.264 encoder failed before giving anything back
  }

  /** Whether the encoder failed (the frames before cannot be made into a file either). */
  get broken() {
    return this.error !== null;
  }

  /**
   * Encodes `pixels` (an ImageData, or `{ data, width, height }`), shown from `timestamp` µs on.
   * The first frame sets the size (sides made even, what every encoder takes: an odd last row or
   * column is left out); a frame of another size is refused. Resolves once the encoder has room
   * for the next frame.
   */
  add(pixels, timestamp) {
    const adding = this.encode(pixels, timestamp);
    this.pending = adding.catch(() => {});
    return adding;
  }

  async encode(pixels, timestamp) {
    const even = { width: pixels.width - (pixels.width % 2), height: pixels.height - (pixels.height % 2) };
    if (!this.encoder) {
      this.size = even;
      this.tries = encoderTries(even, this.fps, this.format);
      if (!(await this.nextEncoder())) throw noEncoder(even, this.format);
    } else if (even.width !== this.size.width || even.height !== this.size.height) {
      throw new FriendlyError('video-size', `The frames of ${this.source} changed size, so they cannot be one video.`,
        new Error(`${pixels.width}×${pixels.height} after ${this.size.width}×${this.size.height}`));
    }
    await this.recover();
    if (this.error) throw encodingError(this.error, this.container);
    const { width, height } = this.size;
    const yuv = i420(pixels.data, pixels.width, width, height);
    const keyFrame = timestamp - this.lastKey >= KEY_FRAME_US;
    if (this.chunks.length === 0) this.kept.push({ yuv, timestamp, keyFrame });
    this.submit(yuv, timestamp, keyFrame);
    if (keyFrame) this.lastKey = timestamp;
    this.added += 1;
    await this.recover();
    if (this.error) throw encodingError(this.error, this.container);
    while (this.encoder.encodeQueueSize > 2 && this.encoder.state === 'configured' && !this.error) await dequeued(this.encoder);
  }

  /** Gives the encoder one frame (I420 bytes of the writer's size). */
  submit(yuv, timestamp, keyFrame) {
    const frame = new VideoFrame(yuv, {
      format: 'I420', codedWidth: this.size.width, codedHeight: this.size.height, timestamp, colorSpace: I420_COLOR_SPACE,
    });
    try {
      this.encoder.encode(frame, { keyFrame });
    } finally {
      frame.close();
    }
  }

  /** The next encoder this browser has of those left to try; false when none is left. */
  async nextEncoder() {
    while (this.tries.length > 0) {
      const { container, config } = this.tries.shift();
      if (!(await supports(VideoEncoder, config))) continue;
      const encoder = new VideoEncoder({
        output: (chunk, metadata) => {
          if (encoder !== this.encoder) return;
          const given = metadata?.decoderConfig?.description;
          if (given && !this.description) this.description = copyOf(given);
          this.chunks.push({ data: bytesOf(chunk), timestamp: chunk.timestamp, key: chunk.type === 'key' });
          this.kept = []; // it works: no frame will be given again
        },
        error: (error) => {
          if (encoder === this.encoder) this.error = error;
        },
      });
      encoder.configure(config);
      Object.assign(this, { encoder, codec: config.codec, container, error: null, description: null });
      this.formatNote = this.format !== 'mp4' || container === 'mp4' ? ''
        : this.failedH264 ? 'a WebM: this browser’s H.264 encoder failed on these frames'
          : h264Codecs(this.size, this.fps).length ? 'a WebM: this browser cannot encode H.264, which an MP4 needs'
            : 'a WebM: frames this large are beyond H.264, which an MP4 needs';
      return true;
    }
    return false;
  }

  /**
   * An encoder that failed before giving anything back (a phone's hardware H.264 encoder may
   * refuse a size it said it takes) is replaced by the next one, down to a WebM's VP8, and given
   * the frames again. One that failed later cannot be: its error stays.
   */
  async recover() {
    while (this.error && this.chunks.length === 0 && this.tries.length > 0) {
      console.info(`Unpaired: the ${this.codec} encoder failed before its first frame; trying the next`, this.error);
      if (this.container === 'mp4') this.failedH264 = true;
      const failed = this.error;
      if (this.encoder.state !== 'closed') this.encoder.close();
      if (!(await this.nextEncoder())) {
        this.error = failed;
        return;
      }
      for (const { yuv, timestamp, keyFrame } of this.kept) this.submit(yuv, timestamp, keyFrame);
    }
  }

  /** Encodes the frames still queued and closes the encoder; a failure is said (`video-encode`). */
  async end() {
    await this.pending;
    if (!this.encoder || this.encoder.state === 'closed') return;
    for (;;) {
      try {
        await this.encoder.flush();
      } catch (error) {
        this.error ??= error;
      }
      if (!(this.error && this.chunks.length === 0 && this.tries.length > 0)) break;
      await this.recover(); // failed on the last frames, having given nothing: the next encoder
    }
    if (this.encoder.state !== 'closed') this.encoder.close();
    this.kept = [];
    if (this.error) throw encodingError(this.error, this.container);
  }

  /** Closes the encoder without finishing the video (the frames are dropped). */
  close() {
    if (this.encoder && this.encoder.state !== 'closed') this.encoder.close();
  }

  /**
   * The file of the frames encoded (after `end`), the last shown for `lastDuration` µs, with
   * `sound` (encodeSound's, for this container) if any: a Blob of the container's type.
   */
  file(lastDuration, sound = null) {
    const video = {
      codec: this.codec, description: this.description, ...this.size, colorSpace: I420_COLOR_SPACE, frames: this.chunks, frameDuration: lastDuration, steady: this.steady, sound,
    };
    const parts = this.container === 'mp4' ? mp4Parts(video) : [webmFile(video)];
    return new Blob(parts, { type: CONTAINERS[this.container].type });
  }
}

/**
 * The sound codecs of each container, best first (WebCodecs' name, and mp4.js's): an MP4 takes
 * AAC, which every player knows, where the browser encodes it (Safari, Chrome on Windows and
 * macOS), else Opus; a WebM takes Opus.
 */
const SOUND_CODECS = { mp4: [['mp4a.40.2', 'aac'], ['opus', 'opus']], webm: [['opus', 'opus']] };

/**
 * The first `seconds` of a decoded sound encoded (mono or stereo) for `container` (mp4.js's or
 * webm.js's `sound`); a sound that cannot be encoded leaves the video without one, which `note` says.
 */
export async function encodeSound({ buffer, note }, seconds, container) {
  if (!buffer) return { sound: null, note };
  const channels = Math.min(2, buffer.numberOfChannels);
  try {
    let config = null;
    let codec = null;
    for (const [name, short] of SOUND_CODECS[container]) {
      const candidate = { codec: name, sampleRate: SOUND_RATE, numberOfChannels: channels, bitrate: 64_000 * channels };
      if (await supports(AudioEncoder, candidate)) {
        [config, codec] = [candidate, short];
        break;
      }
    }
    if (!config) return { sound: null, note: `no sound (this browser cannot encode ${container === 'mp4' ? 'AAC or Opus' : 'Opus'})` };
    const packets = [];
    let description = null; // AAC's AudioSpecificConfig, Opus's OpusHead
    let failure = null;
    const encoder = new AudioEncoder({
      output: (chunk, metadata) => {
        const given = metadata?.decoderConfig?.description;
        if (given && !description) description = copyOf(given);
        packets.push({ data: bytesOf(chunk), timestamp: chunk.timestamp, duration: chunk.duration ?? undefined });
      },
      error: (error) => { failure = error; },
    });
    encoder.configure(config);
    const frames = Math.min(buffer.length, Math.round(seconds * SOUND_RATE));
    for (let start = 0; start < frames; start += SOUND_RATE) {
      const length = Math.min(SOUND_RATE, frames - start);
      const planes = new Float32Array(length * channels);
      for (let channel = 0; channel < channels; channel++) planes.set(buffer.getChannelData(channel).subarray(start, start + length), channel * length);
      const data = new AudioData({ format: 'f32-planar', sampleRate: SOUND_RATE, numberOfFrames: length, numberOfChannels: channels, timestamp: Math.round(start / SOUND_RATE * 1e6), data: planes });
      encoder.encode(data);
      data.close();
    }
    await encoder.flush();
    encoder.close();
    if (failure) throw failure;
    if (packets.length === 0) return { sound: null, note: 'no sound' };
    return { sound: { codec, sampleRate: SOUND_RATE, channels, description, bitrate: config.bitrate, packets }, note: channels === 1 ? 'with sound (mono)' : 'with sound' };
  } catch (error) {
    console.info('Unpaired: the sound could not be encoded', error);
    return { sound: null, note: 'no sound (it could not be encoded here)' };
  }
}

/** A codec's description (a BufferSource), copied. */
function copyOf(description) {
  const view = ArrayBuffer.isView(description) ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength) : new Uint8Array(description);
  return view.slice();
}

/** The bytes of an encoded chunk (video or sound), copied out of the encoder. */
function bytesOf(chunk) {
  const data = new Uint8Array(chunk.byteLength);
  chunk.copyTo(data);
  return data;
}

/** Whether `Encoder` (VideoEncoder or AudioEncoder) takes `config` (a config it cannot even read: no). */
async function supports(Encoder, config) {
  try {
    return (await Encoder.isConfigSupported(config)).supported === true;
  } catch {
    return false;
  }
}

/** The H.264 codec strings for frames of `size` at `fps`, best profile first; none when too large for any level. */
function h264Codecs({ width, height }, fps) {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const level = H264_LEVELS.find(([, frame, second]) => macroblocks <= frame && macroblocks * fps <= second
    && Math.max(Math.ceil(width / 16), Math.ceil(height / 16)) <= Math.sqrt(8 * frame));
  return level ? H264_PROFILES.map((profile) => `avc1.${profile}${level[0].toString(16).padStart(2, '0')}`) : [];
}

/**
 * The encoders to try for frames of `size`, best first: H.264 for an MP4 (`format` 'mp4'), then
 * VP8 and VP9 for a WebM.
 */
function encoderTries(size, fps, format) {
  const base = { ...size, framerate: fps, bitrate: Math.max(1_000_000, size.width * size.height * fps * 0.4), latencyMode: 'quality' };
  return [
    ...(format === 'mp4' ? h264Codecs(size, fps).map((codec) => ({ container: 'mp4', config: { ...base, codec, avc: { format: 'avc' } } })) : []),
    ...WEBM_CODECS.map((codec) => ({ container: 'webm', config: { ...base, codec } })),
  ];
}

function noEncoder(size, format) {
  return new FriendlyError('video-unsupported', `This browser cannot encode a ${size.width} × ${size.height} video (${format === 'mp4' ? 'neither H.264 nor VP8 nor VP9' : 'neither VP8 nor VP9'}). Try a smaller “Largest side”, or another browser.`,
    new Error(`no encoder for ${size.width}×${size.height}`));
}

/**
 * Resolves once `encoder` has taken a frame off its queue: its `dequeue` event where it has one,
 * for a tab in the background runs timers at most once a second (and Chromium's, after five
 * minutes hidden, once a minute), which would hold every frame; else, and at the latest, in a while.
 */
function dequeued(encoder) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, 'ondequeue' in encoder ? 1_000 : 5);
    function done() {
      clearTimeout(timer);
      encoder.removeEventListener('dequeue', done);
      resolve();
    }
    encoder.addEventListener('dequeue', done);
  });
}

/** The encoder failed: what to try (an MP4's H.264 encoder failing where VP8 may not: the WebM). */
function encodingError(error, container) {
  const advice = container === 'mp4' ? `Choose “Save as: ${CONTAINERS.webm.choice}” and try again, or a smaller “Largest side”.` : 'Try a smaller “Largest side”, or another browser.';
  return new FriendlyError('video-encode', `The translated frames could not be made into ${container === 'mp4' ? 'an MP4' : 'a video'}. ${advice}`, error);
}
