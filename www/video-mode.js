// Videos: a video file (chosen or dropped) translated frame by frame into a new video. The browser
// plays the file; each frame is taken at its time (at the frame rate chosen: video-frames.js plays
// or seeks there), scaled to the largest side, translated and given to video-writer.js, which
// encodes it for an MP4 or a WebM, as chosen. The sound is decoded by Web Audio and encoded there
// too, cut to the frames made. The file is shown in a player and offered for download. "Stop"
// ends the video at the frames done so far. Nothing leaves the machine.

import { Cancelled, FriendlyError } from './errors.js';
import { canShareFile, download, drawScaled, resultName, shareFile } from './images.js';
import { formatMs } from './status.js';
import { FrameStepper, mediaEvent, seek } from './video-frames.js';
import { canMakeVideos, CONTAINERS, encodeSound, SOUND_RATE, VideoWriter } from './video-writer.js';

const $ = (id) => document.getElementById(id);

/**
 * Sound is kept for files up to this size (its decoding reads the whole file into memory, which
 * a phone's tab may not have)…
 */
const SOUND_MAX_BYTES = 256 << 20;
/** …and up to this length (decoded: 230 MB for ten minutes of stereo). */
const SOUND_MAX_SECONDS = 10 * 60;
/** A picture that ends more than this (seconds) before the last frame taken is said to end there. */
const PICTURE_END_SLACK = 1;

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
    this.shareButton = $('video-share');
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
    this.shareButton.addEventListener('click', () => this.share());
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
      const decoded = await sound;
      const { writer } = result;
      const kept = await encodeSound(decoded, result.done / result.fps, writer.container);
      result.soundNote = kept.note;
      result.soundSeconds = decoded.buffer?.duration ?? null;
      const blob = writer.file(result.frameDuration, kept.sound);
      this.show(blob, videoName(name, result.modelName, result.direction, result.beside, writer.container), result, name);
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
   * Takes each frame, translates and encodes it; resolves to the `writer` holding them, and
   * counts. A failure after some frames keeps them: the video is made of those, and `failure` says why.
   */
  async frames(video, name, duration) {
    const chosen = this.settings();
    const { maxSide } = chosen;
    let { direction, modelName } = chosen;
    const fps = Number(this.fps.value);
    const beside = this.beside.checked; // the original left of the translation
    const writer = new VideoWriter({ format: this.format.value, fps, source: `“${name}”` });
    const times = frameTimes(duration, fps);
    const frameDuration = Math.round(1e6 / fps);
    let failure = null;
    let done = 0;
    const started = performance.now();
    const context = this.frame.getContext('2d', { willReadFrequently: true });
    const stepper = new FrameStepper(video, name, 0.5 / fps);
    const take = (time) => stepper.frameAt(time, () => drawScaled(video, video.videoWidth, video.videoHeight, this.grab, maxSide, `“${name}”`));
    let taking = take(times[0]); // the next frame, taken while the one before is translated
    this.frame.hidden = false;
    for (const index of times.keys()) {
      if (this.stopRequested) break;
      try {
        const input = await taking;
        taking = null;
        const translating = translateFrame(this.engine, input, direction, maxSide);
        // The translator works off this thread: the next frame is sought or played to meanwhile.
        if (index + 1 < times.length) {
          taking = take(times[index + 1]);
          taking.catch(() => {}); // a failure is met when that frame is awaited
        }
        let { image } = await translating;
        // One video, one translation. A change of model or direction before the first frame is
        // made makes the video one of the new choice; after it, the video ends with the frames
        // made before (a frame translated meanwhile, maybe by the new model, is left out).
        let now = this.settings();
        if (done === 0 && (now.modelName !== modelName || now.direction !== direction)) {
          ({ modelName, direction } = now);
          ({ image } = await translateFrame(this.engine, input, direction, maxSide));
          now = this.settings();
        }
        if (now.modelName !== modelName || now.direction !== direction) {
          throw new FriendlyError('video-changed', `The model or the direction changed while “${name}” was translated: the video holds the frames made before.`,
            new Error(`${modelName} ${direction} → ${now.modelName} ${now.direction}`));
        }
        const across = beside ? input.width + image.width : image.width;
        if (this.frame.width !== across || this.frame.height !== image.height) Object.assign(this.frame, { width: across, height: image.height });
        if (beside) context.putImageData(input, 0, 0);
        context.putImageData(image, beside ? input.width : 0, 0);
        await writer.add(beside ? context.getImageData(0, 0, across, image.height) : image, index * frameDuration);
      } catch (error) {
        if (done === 0 || writer.broken) {
          writer.close();
          throw error;
        }
        failure = error;
        break;
      }
      done = index + 1;
      const perFrame = (performance.now() - started) / done;
      this.status.steps(`Translating “${name}”: frame`, done, times.length, done < times.length ? `about ${formatMs(perFrame * (times.length - done))} left` : '');
    }
    await taking?.catch(() => {}); // a frame taken ahead that is not used (stopped, or failed)
    console.info('Unpaired: video frames taken', JSON.stringify(stepper.counts));
    // A picture that stops well before the frames taken end: its last frame was held (a file cut
    // short, or one whose sound outlasts its picture), which a person should hear about.
    const pictureEnd = stepper.pictureEnd();
    const held = done > 0 && times[done - 1] - pictureEnd > PICTURE_END_SLACK ? pictureEnd : null;
    if (done === 0) {
      writer.close();
      throw new Cancelled();
    }
    await writer.end();
    return {
      writer, frameDuration, done, total: times.length, failure, fps, seconds: (performance.now() - started) / 1000, modelName, direction, beside, held,
    };
  }

  /** Offers the video made to the system's share sheet (phones: to a messaging app, the gallery…), as the file a download gives. */
  async share() {
    if (!this.made) return;
    const { blob, name } = this.made;
    try {
      await shareFile(new File([blob], name, { type: blob.type }));
    } catch (error) {
      this.status.error(error, 'The video could not be shared.', 'video');
    }
  }

  /** The video made: in the player, to download or share. */
  show(blob, filename, { writer, done, total, fps, seconds, soundNote, soundSeconds, beside, held }, name) {
    const { container, formatNote, size: { width, height } } = writer;
    if (this.player.src) URL.revokeObjectURL(this.player.src);
    this.made = { blob, name: filename };
    this.player.src = URL.createObjectURL(blob);
    this.result.hidden = false;
    this.downloadButton.textContent = `Download video (${CONTAINERS[container].label})`;
    this.shareButton.hidden = !canShareFile(filename, blob.type);
    const length = `${(done / fps).toFixed(1)} s at ${fps} frames per second, ${width} × ${height}${beside ? ' (the original beside the translation)' : ''}, ${soundNote}${formatNote ? `; ${formatNote}` : ''}`;
    this.caption.textContent = `${filename}: ${length}`;
    const timing = `${done} frame${done === 1 ? '' : 's'} in ${formatMs(seconds * 1000)}`;
    // The picture ended early: its sound going on says the file is whole (a sound longer than
    // its picture); else it may have been cut short.
    const heldNote = held === null ? ''
      : soundSeconds !== null && soundSeconds - held > PICTURE_END_SLACK
        ? ` “${name}” shows no new picture after ${held.toFixed(1)} s while its sound goes on, so its last picture is held from there.`
        : ` “${name}” shows no new picture after ${held.toFixed(1)} s, so its last one is held from there (the file may be cut short).`;
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
