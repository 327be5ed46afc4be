// Videos: a video file (chosen or dropped) translated frame by frame into a new video. The browser
// plays the file; each frame is taken at its time (at the frame rate chosen: video-frames.js plays
// or seeks there), scaled to the largest side, translated, turned into BT.601 YUV (yuv.js: the
// colours every player assumes) and encoded with WebCodecs' VideoEncoder: H.264 for an MP4 (what
// phones, Safari and messaging apps play), VP8 (else VP9) for a WebM, as chosen; an MP4 this
// browser cannot encode is made a WebM, and the caption says so. The sound is decoded by Web
// Audio and encoded with AudioEncoder (AAC where the browser has it, else Opus), cut to the frames
// made. mp4.js or webm.js writes both into the file, shown in a player and offered for download.
// "Stop" ends the video at the frames done so far. Nothing leaves the machine.

import { Cancelled, FriendlyError } from './errors.js';
import { download, drawScaled, resultName } from './images.js';
import { formatMs } from './status.js';
import { FrameStepper, mediaEvent, seek } from './video-frames.js';
import { mp4Parts } from './mp4.js';
import { webmFile } from './webm.js';
import { I420_COLOR_SPACE, i420 } from './yuv.js';

const $ = (id) => document.getElementById(id);

/** WebM's codecs, in order: VP8 plays everywhere WebM does; VP9 where VP8 cannot be encoded. */
const WEBM_CODECS = ['vp8', 'vp09.00.10.08'];
/** H.264 profiles tried for an MP4, best first: High, Main, Constrained Baseline (profile_idc and constraint byte). */
const H264_PROFILES = ['6400', '4d00', '42e0'];
/**
 * H.264 levels (ITU-T H.264 Table A-1): level_idc, the most macroblocks a frame and a second may
 * have. The lowest that holds the frames is asked for; larger frames than 5.2 allows: no MP4.
 */
const H264_LEVELS = [[30, 1620, 40_500], [31, 3600, 108_000], [32, 5120, 216_000], [40, 8192, 245_760], [42, 8704, 522_240], [50, 22_080, 589_824], [51, 36_864, 983_040], [52, 36_864, 2_073_600]];
/** How each container is offered: its MIME type and the name the download button gives it. */
const CONTAINERS = { mp4: { type: 'video/mp4', label: 'MP4' }, webm: { type: 'video/webm', label: 'WebM' } };
/** A key frame every this many seconds (a cluster each, so players seek quickly). */
const KEY_FRAME_SECONDS = 2;
/**
 * Sound is kept for files up to this size (its decoding reads the whole file into memory, which
 * a phone's tab may not have)…
 */
const SOUND_MAX_BYTES = 256 << 20;
/** …and up to this length (decoded: 230 MB for ten minutes of stereo). */
const SOUND_MAX_SECONDS = 10 * 60;
/** A picture that ends more than this (seconds) before the last frame taken is said to end there. */
const PICTURE_END_SLACK = 1;
/** Opus works at 48 kHz. */
const SOUND_RATE = 48_000;

/** Whether this browser can make videos (WebCodecs' VideoEncoder, from a secure page). */
const canMakeVideos = () => typeof VideoEncoder === 'function' && typeof VideoFrame === 'function';

/** "clip.mov" → "clip-horse2zebra-a_to_b.mp4" ("…-a_to_b-beside.webm" with the original beside, as a WebM). */
const videoName = (sourceName, modelName, direction, beside, container) =>
  resultName(sourceName, modelName, beside ? `${direction}-beside` : direction, { extension: container, unnamed: 'video' });

/** The frames of a video `duration` seconds long at `fps`: one at each 1/fps, from 0. */
function frameTimes(duration, fps) {
  const count = Math.max(1, Math.ceil(duration * fps - 1e-6));
  return Array.from({ length: count }, (_, index) => index / fps);
}

export class VideoMode {
  /**
   * @param {{ engine, status, settings: () => { direction: string, maxSide: number, modelName: string, videoFps: number, videoBeside: boolean, videoFormat: 'mp4' | 'webm' },
   *           onChoice: (key: 'videoFps' | 'videoBeside' | 'videoFormat', value: number | boolean | string) => void }} options
   */
  constructor({ engine, status, settings, onChoice }) {
    this.engine = engine;
    this.status = status;
    this.settings = settings;
    this.fileInput = $('video-file');
    this.fps = $('video-fps');
    this.beside = $('video-beside');
    this.format = $('video-format');
    this.stopButton = $('video-stop');
    this.frame = $('video-frame');
    this.player = $('video-output');
    this.result = $('video-result');
    this.caption = $('video-caption');
    this.downloadButton = $('video-download');
    this.grab = document.createElement('canvas');
    this.running = false;
    this.enabled = false; // a model is ready
    this.stopRequested = false;
    this.made = null; // { blob, name } of the last video made

    this.fps.value = String(settings().videoFps);
    this.fps.addEventListener('change', () => onChoice('videoFps', Number(this.fps.value)));
    this.beside.checked = settings().videoBeside;
    this.beside.addEventListener('change', () => onChoice('videoBeside', this.beside.checked));
    this.format.value = settings().videoFormat;
    this.format.addEventListener('change', () => onChoice('videoFormat', this.format.value));
    this.fileInput.addEventListener('change', () => {
      const [file] = this.fileInput.files;
      this.fileInput.value = '';
      if (file) this.translate(file);
    });
    this.stopButton.addEventListener('click', () => { this.stopRequested = true; });
    // Closing or reloading the page while a video is made would lose it: the browser asks first.
    window.addEventListener('beforeunload', (event) => {
      if (!this.running) return;
      event.preventDefault();
      event.returnValue = ''; // what older browsers look for
    });
    this.downloadButton.addEventListener('click', () => {
      if (this.made) download(this.made.blob, this.made.name);
    });
    const zone = $('video-drop');
    zone.addEventListener('dragover', (event) => {
      if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
      event.preventDefault();
      event.stopPropagation(); // not the photos' drop
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      event.stopPropagation();
      zone.classList.remove('dragging');
      const [file] = event.dataTransfer.files;
      if (file && !this.running && this.enabled) this.translate(file);
    });
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.fileInput.disabled = !enabled || this.running;
  }

  /** Translates `file` into a new video; says what went wrong if it cannot. */
  async translate(file) {
    if (this.running) return;
    this.running = true;
    this.stopRequested = false;
    this.fileInput.disabled = true;
    this.fps.disabled = true;
    this.beside.disabled = true;
    this.format.disabled = true;
    this.stopButton.hidden = false;
    this.status.clearAlertFrom('video');
    document.body.dataset.video = 'working';
    const name = file.name || 'video';
    const url = URL.createObjectURL(file);
    const video = document.createElement('video');
    video.muted = true;
    video.preload = 'auto';
    video.playsInline = true;
    try {
      if (!canMakeVideos()) {
        throw new FriendlyError('video-unsupported', 'This browser cannot make videos (it lacks WebCodecs’ video encoder). Try a current Chrome, Edge, Firefox or Safari.',
          new Error('VideoEncoder is not available'));
      }
      this.status.busy(`Opening “${name}”…`);
      await open(video, url, name);
      const duration = await durationOf(video, name);
      const sound = soundOf(file, duration); // decoded while the frames are translated
      const result = await this.frames(video, name, duration);
      this.status.busy(`Adding the sound of “${name}”…`);
      const kept = await encodeSound(await sound, result.done / result.fps, result.container);
      result.sound = kept.sound;
      result.soundNote = kept.note;
      const parts = result.container === 'mp4' ? mp4Parts(result) : [webmFile(result)];
      const blob = new Blob(parts, { type: CONTAINERS[result.container].type });
      this.show(blob, videoName(name, result.modelName, result.direction, result.beside, result.container), result, name);
      if (result.failure) {
        this.status.error(result.failure, `Frame ${result.done + 1} of “${name}” could not be translated: the video holds the frames before it.`, 'video');
        document.body.dataset.video = 'error';
      } else {
        document.body.dataset.video = result.done < result.total ? 'stopped' : 'done';
      }
    } catch (error) {
      if (error instanceof Cancelled) {
        document.body.dataset.video = 'stopped';
        this.status.say('Stopped before the first frame: no video was made.');
        return;
      }
      document.body.dataset.video = 'error';
      this.status.say(`“${name}” could not be translated.`);
      this.status.error(error, `“${name}” could not be translated.`, 'video');
    } finally {
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(url);
      this.running = false;
      const stopFocused = document.activeElement === this.stopButton;
      this.stopButton.hidden = true;
      this.fps.disabled = false;
      this.beside.disabled = false;
      this.format.disabled = false;
      this.fileInput.disabled = !this.enabled;
      this.frame.hidden = true;
      // The focus was on "Stop", which is gone: the video made, else the way to choose another.
      if (stopFocused) (this.result.hidden ? this.fileInput : this.downloadButton).focus();
    }
  }

  /**
   * Takes each frame, translates and encodes it; resolves to what `mp4Parts` or `webmFile` (as
   * `container` says) takes, plus counts. A failure after some frames keeps them: the video is made of those, and `failure` says why.
   */
  async frames(video, name, duration) {
    const { direction, maxSide, modelName } = this.settings();
    const fps = Number(this.fps.value);
    const beside = this.beside.checked; // the original left of the translation
    const format = this.format.value;
    const times = frameTimes(duration, fps);
    const frameDuration = Math.round(1e6 / fps);
    const chunks = [];
    let encoder = null;
    let codec = null;
    let container = null;
    let formatNote = '';
    let description = null; // H.264's avcC, from the encoder
    let encoderError = null;
    let size = null;
    let failure = null;
    let done = 0;
    const started = performance.now();
    const context = this.frame.getContext('2d', { willReadFrequently: true });
    const stepper = new FrameStepper(video, name, 0.5 / fps);
    this.frame.hidden = false;
    for (const [index, time] of times.entries()) {
      if (this.stopRequested) break;
      const now = this.settings();
      if (done > 0 && (now.modelName !== modelName || now.direction !== direction)) {
        // One video, one translation: the frames made so far are kept.
        failure = new FriendlyError('video-changed', `The model or the direction changed while “${name}” was translated: the video holds the frames made before.`,
          new Error(`${modelName} ${direction} → ${now.modelName} ${now.direction}`));
        break;
      }
      try {
        const input = await stepper.frameAt(time, () => drawScaled(video, video.videoWidth, video.videoHeight, this.grab, maxSide, `“${name}”`));
        const { image } = await translateFrame(this.engine, input, direction, maxSide);
        // Even sides: what every encoder takes; an odd last row or column is left out.
        const across = beside ? input.width + image.width : image.width;
        const even = { width: across - (across % 2), height: image.height - (image.height % 2) };
        if (!encoder) {
          size = even;
          ({ encoder, codec, container, note: formatNote } = await makeEncoder(size, fps, format, (chunk, metadata) => {
            const given = metadata?.decoderConfig?.description;
            if (given && !description) description = copyOf(given);
            chunks.push({ data: bytesOf(chunk), timestamp: chunk.timestamp, key: chunk.type === 'key' });
          }, (error) => { encoderError = error; }));
          this.frame.width = size.width;
          this.frame.height = size.height;
        } else if (even.width !== size.width || even.height !== size.height) {
          throw new FriendlyError('video-size', `The frames of “${name}” changed size, so they cannot be one video.`,
            new Error(`${image.width}×${image.height} after ${size.width}×${size.height}`));
        }
        // The canvas clips an odd row or column.
        if (beside) context.putImageData(input, 0, 0);
        context.putImageData(image, beside ? input.width : 0, 0);
        const pixels = beside ? context.getImageData(0, 0, size.width, size.height) : image;
        const frame = new VideoFrame(i420(pixels.data, pixels.width, size.width, size.height), {
          format: 'I420', codedWidth: size.width, codedHeight: size.height, timestamp: index * frameDuration, duration: frameDuration, colorSpace: I420_COLOR_SPACE,
        });
        try {
          encoder.encode(frame, { keyFrame: index % Math.max(1, Math.round(fps * KEY_FRAME_SECONDS)) === 0 });
        } finally {
          frame.close();
        }
        if (encoderError) throw encodingError(encoderError);
        while (encoder.encodeQueueSize > 2 && encoder.state === 'configured' && !encoderError) await dequeued(encoder);
      } catch (error) {
        if (done === 0 || encoderError) throw error;
        failure = error;
        break;
      }
      done = index + 1;
      const perFrame = (performance.now() - started) / done;
      this.status.steps(`Translating “${name}”: frame`, done, times.length, done < times.length ? `about ${formatMs(perFrame * (times.length - done))} left` : '');
    }
    console.info('Unpaired: video frames taken', JSON.stringify(stepper.counts));
    // A picture that stops well before the frames taken end: its last frame was held (a file cut
    // short, or one whose sound outlasts its picture), which a person should hear about.
    const pictureEnd = stepper.pictureEnd();
    const held = done > 0 && times[done - 1] - pictureEnd > PICTURE_END_SLACK ? pictureEnd : null;
    if (done === 0) throw new Cancelled();
    try {
      await encoder.flush();
    } catch (error) {
      throw encodingError(encoderError ?? error);
    } finally {
      encoder.close();
    }
    return {
      codec, container, formatNote, description, ...size, colorSpace: I420_COLOR_SPACE, frames: chunks, frameDuration, done, total: times.length, failure, fps, seconds: (performance.now() - started) / 1000, modelName, direction, beside, held,
    };
  }

  /** The video made: in the player, to download. */
  show(blob, filename, { done, total, fps, seconds, width, height, soundNote, beside, held, container, formatNote }, name) {
    if (this.player.src) URL.revokeObjectURL(this.player.src);
    this.made = { blob, name: filename };
    this.player.src = URL.createObjectURL(blob);
    this.result.hidden = false;
    this.downloadButton.textContent = `Download video (${CONTAINERS[container].label})`;
    const length = `${(done / fps).toFixed(1)} s at ${fps} frames per second, ${width} × ${height}${beside ? ' (the original beside the translation)' : ''}, ${soundNote}${formatNote ? `; ${formatNote}` : ''}`;
    this.caption.textContent = `${filename}: ${length}`;
    const timing = `${done} frame${done === 1 ? '' : 's'} in ${formatMs(seconds * 1000)}`;
    const heldNote = held === null ? '' : ` “${name}” shows no new picture after ${held.toFixed(1)} s, so its last one is held from there (the file may be cut short).`;
    this.status.say(`${done < total
      ? `${this.stopRequested ? 'Stopped' : 'Cut short'}: the video holds the first ${done} of ${total} frames (${timing}).`
      : `Translated: ${timing}. Play it below or download it.`}${heldNote}`);
  }
}

/**
 * The sound of `file` as an AudioBuffer at 48 kHz, or `{ note }` saying why there is none: the
 * file has none, it is too large to decode in memory, or the browser cannot decode or encode it.
 */
async function soundOf(file, duration) {
  if (typeof AudioEncoder !== 'function' || typeof AudioData !== 'function' || typeof OfflineAudioContext !== 'function') {
    return { note: 'no sound (this browser cannot encode sound)' };
  }
  if (file.size > SOUND_MAX_BYTES || duration > SOUND_MAX_SECONDS) {
    return { note: 'no sound (the file is too long to keep its sound here)' };
  }
  try {
    return { buffer: await new OfflineAudioContext(1, 1, SOUND_RATE).decodeAudioData(await file.arrayBuffer()) };
  } catch (error) {
    // The usual case: a video without a sound track (the browser finds nothing to decode).
    console.info('Unpaired: no sound taken from the video', error);
    return { note: 'no sound' };
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
async function encodeSound({ buffer, note }, seconds, container) {
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

/** Translates one frame; a translator restarted meanwhile (another backend chosen) gets it again. */
async function translateFrame(engine, input, direction, maxSide) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await engine.translate(input, direction, maxSide);
    } catch (error) {
      if (!(error instanceof Cancelled) || attempt >= 2) throw error;
    }
  }
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
 * A VideoEncoder for frames of `size`: H.264 for an MP4 (`format` 'mp4') where this browser
 * encodes it, else VP8 or VP9 for a WebM, with `note` saying why a WebM when an MP4 was asked for.
 */
async function makeEncoder(size, fps, format, output, error) {
  const base = { ...size, framerate: fps, bitrate: Math.max(1_000_000, size.width * size.height * fps * 0.4), latencyMode: 'quality' };
  const tries = [
    ...(format === 'mp4' ? h264Codecs(size, fps).map((codec) => ({ container: 'mp4', config: { ...base, codec, avc: { format: 'avc' } } })) : []),
    ...WEBM_CODECS.map((codec) => ({ container: 'webm', config: { ...base, codec } })),
  ];
  for (const { container, config } of tries) {
    if (!(await supports(VideoEncoder, config))) continue;
    const encoder = new VideoEncoder({ output, error });
    encoder.configure(config);
    const note = format !== 'mp4' || container === 'mp4' ? ''
      : h264Codecs(size, fps).length ? 'a WebM: this browser cannot encode H.264, which an MP4 needs'
        : 'a WebM: frames this large are beyond H.264, which an MP4 needs';
    return { encoder, codec: config.codec, container, note };
  }
  throw new FriendlyError('video-unsupported', `This browser cannot encode a ${size.width} × ${size.height} video (${format === 'mp4' ? 'neither H.264 nor VP8 nor VP9' : 'neither VP8 nor VP9'}). Try a smaller “Largest side”, or another browser.`,
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

function encodingError(error) {
  return new FriendlyError('video-encode', 'The translated frames could not be made into a video. Try a smaller “Largest side”, or another browser.', error);
}

/** Loads `url` into `video` until its size is known; a file it cannot play is said plainly. */
async function open(video, url, name) {
  await mediaEvent(video, 'loadeddata', () => { video.src = url; }, {
    failed: (error) => new FriendlyError('video-unreadable',
      `“${name}” cannot be played in this browser: it is not a video, or one in a format this browser does not play. Try an MP4 (H.264) or WebM file.`,
      new Error(error?.message || `media error ${error?.code ?? ''}`)),
  });
  if (!(video.videoWidth > 0 && video.videoHeight > 0)) {
    throw new FriendlyError('video-unreadable', `“${name}” has no picture (is it a sound file?).`, new Error('videoWidth is 0'));
  }
}

/**
 * The video's length in seconds. Files recorded by browsers often say none (Infinity) until the
 * end has been reached: seeking far past it makes the browser find it.
 */
async function durationOf(video, name) {
  if (Number.isFinite(video.duration) && video.duration > 0) return video.duration;
  await seek(video, 1e7, name);
  const duration = video.duration;
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new FriendlyError('video-unreadable', `The length of “${name}” cannot be found, so its frames cannot be taken.`, new Error(`duration ${duration}`));
  }
  return duration;
}
