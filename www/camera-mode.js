// The camera: frames translated one after another for as long as the camera mode is open, with a
// frames-per-second readout, a choice of camera (when there are several; the choice is kept), a
// mirror toggle (kept apart for cameras facing the person and cameras facing away, which are not
// mirrored at first), pause, a snapshot (downloaded, and added to the photos' list), and a
// recording of the translation as shown, the camera picture beside it and the microphone's sound
// if chosen (video-writer.js: an MP4 or a WebM, as "Save as" says; each frame at the time
// it was taken, lasting until the next, paused time left out; sound-recorder.js), downloaded when
// it stops. Leaving the mode switches the camera off; a recording under way is saved first.

import { Cancelled, deviceTrouble, FriendlyError } from './errors.js';
import { download, drawScaled, fileStamp, mirrored, paint, resultName } from './images.js';
import { canRecordSound, MICROPHONE_TROUBLE, SoundRecorder } from './sound-recorder.js';
import { formatMs } from './status.js';
import { canMakeVideos, encodeSound, VideoWriter } from './video-writer.js';

const $ = (id) => document.getElementById(id);

/** How many recent frames the rate is measured over. */
const RATE_WINDOW = 10;
/** The frame rate a recording's encoder plans for (the camera's frames come as fast as they are translated, at most this). */
const RECORD_FPS = 30;
/** A recording stops, and is saved, at this length (seconds): the encoded video is held in the tab's memory. */
const RECORD_MAX_SECONDS = 10 * 60;

export class CameraMode {
  /**
   * @param {{ engine, status, compare: import('./compare.js').CompareView,
   *           settings: () => { direction: string, maxSide: number, modelName: string, mirror: boolean, mirrorBack: boolean, camera: ?string, videoFormat: 'mp4' | 'webm', recordBeside: boolean, recordSound: boolean },
   *           onChoice: (key: 'mirror' | 'mirrorBack' | 'recordBeside' | 'recordSound' | 'videoFormat', value: boolean | string) => void,
   *           onCameraChange: (deviceId: string) => void,
   *           onSnapshot: (entry: { name: string, modelName: string, direction: string }, input: HTMLCanvasElement, output: HTMLCanvasElement) => { output: Promise<Blob> } }} options
   */
  constructor({ engine, status, compare, settings, onChoice, onCameraChange, onSnapshot }) {
    this.engine = engine;
    this.status = status;
    this.compare = compare;
    this.settings = settings;
    this.video = $('video');
    this.rate = $('fps');
    this.pauseButton = $('camera-pause');
    this.mirror = $('mirror');
    this.choice = $('camera-choice');
    this.sources = $('camera-source');
    this.onCameraChange = onCameraChange;
    this.onSnapshot = onSnapshot;
    this.grab = document.createElement('canvas');
    this.stream = null;
    this.session = 0; // bumped on every start and stop, so a stale loop ends
    this.paused = false;
    this.wake = null;
    this.frames = 0;
    this.times = [];
    this.recordButton = $('camera-record');
    this.recordTime = $('camera-record-time');
    this.recordBeside = $('camera-beside');
    this.recordSound = $('camera-sound');
    this.recordFormat = $('camera-format');
    this.recordCanvas = document.createElement('canvas');
    this.recording = null; // { writer, sound, stem, modelName, direction, started, pausedMs, pausedAt, first, last, timer }
    this.saving = null; // the recording being saved (a Promise)

    this.showMirror();
    this.mirror.addEventListener('change', () => {
      compare.setMirror(this.mirror.checked);
      onChoice(this.mirrorKey, this.mirror.checked);
    });
    this.pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
    $('snapshot').addEventListener('click', () => this.snapshot());
    this.recordButton.hidden = !canMakeVideos();
    this.recordBeside.closest('label').hidden = !canMakeVideos();
    this.recordBeside.checked = settings().recordBeside;
    this.recordBeside.addEventListener('change', () => onChoice('recordBeside', this.recordBeside.checked));
    this.recordSound.closest('label').hidden = !canMakeVideos() || !canRecordSound();
    this.recordSound.checked = settings().recordSound;
    this.recordSound.addEventListener('change', () => onChoice('recordSound', this.recordSound.checked));
    $('camera-format-field').hidden = !canMakeVideos();
    this.recordFormat.value = settings().videoFormat;
    this.recordFormat.addEventListener('change', () => onChoice('videoFormat', this.recordFormat.value));
    this.recordButton.addEventListener('click', () => (this.recording ? this.stopRecording() : this.startRecording()));
    // Closing or reloading the page while recording would lose the recording: the browser asks first.
    window.addEventListener('beforeunload', (event) => {
      if (!this.recording && !this.saving) return;
      event.preventDefault();
      event.returnValue = '';
    });
    this.sources.addEventListener('change', () => this.switchTo(this.sources.value));
    // A camera plugged in or out while the mode is open.
    navigator.mediaDevices?.addEventListener?.('devicechange', () => {
      if (this.running) this.listCameras();
    });
    window.addEventListener('pagehide', () => this.stop());
  }

  get running() {
    return this.stream !== null;
  }

  /** What the camera in use says of itself (`deviceId`, `facingMode`, …); empty with none. */
  get trackSettings() {
    return this.stream?.getVideoTracks()[0]?.getSettings() ?? {};
  }

  /** The camera in use (its `deviceId`), or null. */
  get deviceId() {
    return this.trackSettings.deviceId ?? null;
  }

  /**
   * The setting that says whether the camera in use is mirrored: `mirrorBack` for a camera facing
   * away from the person (what a phone's back camera reports), `mirror` for any other.
   */
  get mirrorKey() {
    return this.trackSettings.facingMode === 'environment' ? 'mirrorBack' : 'mirror';
  }

  /** Sets the mirror toggle and the view to the choice for the camera in use. */
  showMirror() {
    this.mirror.checked = this.settings()[this.mirrorKey];
    this.compare.setMirror(this.mirror.checked);
  }

  /**
   * Switches the camera on and starts translating its frames: the camera `deviceId` (only that
   * one when `exact`; else another if it cannot start, see `openCamera`). Resolves to whether the
   * camera is on.
   */
  async start({ deviceId = this.settings().camera, exact = false } = {}) {
    const session = ++this.session;
    this.setPaused(false);
    this.frames = 0;
    this.rate.dataset.frames = '0';
    this.times = [];
    this.showRate('Starting the camera…');
    let stream;
    try {
      stream = await openCamera(deviceId, exact);
    } catch (error) {
      if (session === this.session) {
        this.showRate('Camera off');
        this.status.error(error, 'The camera could not be started.', 'camera');
      }
      return false;
    }
    if (session !== this.session) {
      stopTracks(stream); // left camera mode while the browser was asking
      return false;
    }
    this.stream = stream;
    this.recordButton.disabled = false;
    this.showMirror();
    document.body.dataset.camera = 'on';
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch (error) {
      if (session !== this.session) return false; // left camera mode (or switched camera) before the picture came
      this.stop();
      this.status.error(new FriendlyError('camera-busy', 'The camera started but shows no picture. Close other apps that use it and try again.', error), undefined, 'camera');
      return false;
    }
    if (session !== this.session) return false;
    this.showRate('Waiting for the first frame…');
    this.status.say('The camera is on: each frame is translated here, on your device.');
    this.loop(session);
    this.listCameras();
    return true;
  }

  /**
   * Uses the camera `deviceId` from now on (kept for the next visit). If it cannot start, says why
   * and goes back to the camera that was on.
   */
  async switchTo(deviceId) {
    const previous = this.deviceId;
    if (deviceId === previous) return;
    this.stop({ quiet: true });
    const session = this.session + 1; // the one `start` opens
    if (await this.start({ deviceId, exact: true })) {
      this.onCameraChange(deviceId);
    } else if (session === this.session && previous) {
      await this.start({ deviceId: previous }); // still in camera mode: the camera that worked
    }
  }

  /**
   * Fills the list of cameras (their names are known once access is granted); it shows only
   * when there is a choice.
   */
  async listCameras() {
    let cameras = [];
    try {
      cameras = (await navigator.mediaDevices.enumerateDevices())
        .filter((device) => device.kind === 'videoinput' && device.deviceId);
    } catch {
      // no list: the camera in use stays the only one offered
    }
    this.sources.replaceChildren(...cameras.map((camera, i) => new Option(camera.label || `Camera ${i + 1}`, camera.deviceId)));
    const current = this.deviceId;
    if (current) this.sources.value = current;
    this.choice.hidden = cameras.length < 2;
  }

  /** Switches the camera off; `quiet` when another one is about to start. A recording is saved. */
  stop({ quiet = false } = {}) {
    if (this.recording) this.stopRecording();
    else if (this.stream && !quiet) this.status.say('The camera is off.');
    this.session += 1;
    if (this.wake) this.wake();
    if (this.stream) stopTracks(this.stream);
    this.stream = null;
    this.recordButton.disabled = true;
    this.video.pause();
    this.video.srcObject = null;
    document.body.dataset.camera = 'off';
  }

  setPaused(paused) {
    const recording = this.recording;
    if (recording && paused && recording.pausedAt === null) {
      recording.pausedAt = performance.now();
      recording.sound?.pause();
    }
    if (recording && !paused && recording.pausedAt !== null) {
      recording.pausedMs += performance.now() - recording.pausedAt;
      recording.pausedAt = null;
      recording.sound?.resume();
    }
    this.paused = paused;
    this.pauseButton.setAttribute('aria-pressed', String(paused));
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (paused) this.showRate('Paused');
    if (!paused && this.wake) this.wake();
  }

  async loop(session) {
    while (session === this.session) {
      if (this.paused) {
        await new Promise((resolve) => { this.wake = resolve; });
        this.wake = null;
        this.times = [];
        continue;
      }
      if (this.video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || this.video.videoWidth === 0) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        continue;
      }
      const { direction, maxSide } = this.settings();
      // A recording takes the frame at the time it is taken (in step with the sound), not shown.
      const recording = this.recording?.pausedAt === null ? this.recording : null;
      const takenAt = recording ? this.recordClock(recording) : null;
      let input;
      let result;
      this.rate.dataset.busy = 'true'; // a frame is being translated
      try {
        input = drawScaled(this.video, this.video.videoWidth, this.video.videoHeight, this.grab, maxSide, 'The camera picture');
        result = await this.engine.translate(input, direction, maxSide);
      } catch (error) {
        if (session !== this.session) return;
        if (error instanceof Cancelled) continue; // the translator was replaced: carry on with the new one
        this.setPaused(true);
        this.status.error(error, 'The camera picture could not be translated.', 'camera');
        continue;
      } finally {
        this.rate.dataset.busy = 'false';
      }
      if (session !== this.session) return;
      paint(this.compare.input, input);
      paint(this.compare.output, result.image);
      this.countFrame(result.ms);
      if (recording && recording === this.recording) await this.record(recording, takenAt);
    }
  }

  countFrame(ms) {
    this.frames += 1;
    this.rate.dataset.frames = String(this.frames);
    const now = performance.now();
    this.times.push(now);
    if (this.times.length > RATE_WINDOW) this.times.shift();
    if (this.paused) return;
    if (this.times.length < 2) {
      this.showRate(`${formatMs(ms)} per frame`);
      return;
    }
    const perSecond = (this.times.length - 1) / ((now - this.times[0]) / 1000);
    this.showRate(`${perSecond.toFixed(perSecond < 10 ? 1 : 0)} frames per second · ${formatMs(ms)} per frame`);
  }

  showRate(text) {
    this.rate.textContent = text;
  }

  /**
   * Starts recording the translation as it is shown (mirrored or not), from the next frame
   * taken: as "Save as" says (MP4, else WebM), with the microphone's sound if chosen.
   */
  startRecording() {
    if (!this.running || this.recording || this.saving) return;
    const { modelName, direction, videoFormat } = this.settings();
    const now = performance.now();
    const recording = {
      writer: new VideoWriter({ format: videoFormat, fps: RECORD_FPS, source: 'the camera', steady: false }),
      sound: null,
      stem: `camera-${fileStamp()}`,
      modelName,
      direction,
      started: now,
      pausedMs: 0,
      pausedAt: this.paused ? now : null,
      first: null, // the first frame's time on the recording's clock (µs): the video starts there
      last: null, // the last frame's time (µs)
      timer: setInterval(() => this.showRecordTime(), 250),
    };
    this.recording = recording;
    if (this.recordSound.checked && canRecordSound()) {
      recording.sound = new SoundRecorder(() => this.recordClock(recording), recording.pausedAt !== null);
      recording.sound.ready.then(() => {
        const { failure } = recording.sound;
        if (!failure || this.recording !== recording) return;
        const hint = failure === MICROPHONE_TROUBLE.blocked ? ' (allow it for this site in your browser’s settings to record sound)' : '';
        this.status.say(`Recording the translation without sound: ${failure}${hint}. “Stop recording” saves it as a video.`);
      });
    }
    this.recordButton.textContent = 'Stop recording';
    this.recordBeside.disabled = true; // one size for the whole video
    this.recordSound.disabled = true;
    this.recordFormat.disabled = true;
    this.recordButton.setAttribute('aria-pressed', 'true');
    this.recordTime.hidden = false;
    this.showRecordTime();
    document.body.dataset.recording = 'on';
    this.status.say('Recording the translation: “Stop recording” saves it as a video.');
  }

  /** The recording's own clock in µs: the time since it started, paused time left out. */
  recordClock(recording, now = performance.now()) {
    const paused = recording.pausedMs + (recording.pausedAt !== null ? now - recording.pausedAt : 0);
    return Math.max(0, Math.round((now - recording.started - paused) * 1000));
  }

  showRecordTime() {
    if (!this.recording) return;
    const seconds = Math.floor(this.recordClock(this.recording) / 1e6);
    this.recordTime.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }

  /**
   * Adds the translated frame on screen to `recording` at `timestamp` (µs on its clock: when the
   * frame was taken), as shown (mirrored or not), with the camera picture left of it when
   * "Original beside it" is on.
   */
  async record(recording, timestamp) {
    if (recording.last !== null && timestamp <= recording.last) return;
    const pictures = this.recordBeside.checked ? [this.compare.input, this.compare.output] : [this.compare.output];
    const canvas = this.recordCanvas;
    const width = pictures.reduce((sum, picture) => sum + picture.width, 0);
    const height = this.compare.output.height;
    if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
    const context = canvas.getContext('2d', { willReadFrequently: true });
    let left = 0;
    for (const picture of pictures) {
      // Each picture mirrored in its own place, as the view shows it.
      context.setTransform(this.mirror.checked ? -1 : 1, 0, 0, 1, this.mirror.checked ? left + picture.width : left, 0);
      context.drawImage(picture, 0, 0);
      left += picture.width;
    }
    recording.last = timestamp;
    recording.first ??= timestamp;
    try {
      await recording.writer.add(context.getImageData(0, 0, canvas.width, canvas.height), timestamp - recording.first);
    } catch (error) {
      if (this.recording === recording) this.stopRecording(error);
      return;
    }
    if (timestamp >= RECORD_MAX_SECONDS * 1e6 && this.recording === recording) {
      this.stopRecording(new FriendlyError('record-long', `The recording stopped at ${RECORD_MAX_SECONDS / 60} minutes, the longest this page holds in memory.`, new Error(`${timestamp} µs`)));
    }
  }

  /**
   * Ends the recording and saves it (downloaded); `reason` (an error) says why it ended before
   * "Stop recording" was pressed. Resolves once it is saved.
   */
  stopRecording(reason = null) {
    const recording = this.recording;
    if (!recording) return this.saving;
    this.recording = null;
    clearInterval(recording.timer);
    const end = this.recordClock(recording);
    recording.sound?.close();
    this.recordButton.textContent = 'Record';
    this.recordBeside.disabled = false;
    this.recordSound.disabled = false;
    this.recordFormat.disabled = false;
    this.recordButton.setAttribute('aria-pressed', 'false');
    this.recordTime.hidden = true;
    document.body.dataset.recording = 'saving';
    this.saving = this.saveRecording(recording, end, reason).finally(() => {
      this.saving = null;
      document.body.dataset.recording = 'off';
    });
    return this.saving;
  }

  async saveRecording({ writer, sound, stem, modelName, direction, first, last }, end, reason) {
    try {
      await writer.end(); // after the frame under way, if any
      if (writer.added === 0) {
        this.status.say('The recording ended before its first frame: there is nothing to save.');
        return;
      }
      const name = resultName(stem, modelName, direction, { extension: writer.container });
      // The last frame lasts until the recording ended (at least a millisecond).
      const seconds = (Math.max(end, last + 1000) - first) / 1e6;
      if (sound) this.status.busy('Adding the sound to the recording…');
      const kept = sound ? await encodeSound(await sound.decoded(first, seconds), seconds, writer.container) : { sound: null, note: 'no sound' };
      download(writer.file(Math.max(1000, end - last), kept.sound), name);
      const saved = `The recording is saved: ${name} (${seconds.toFixed(1)} s, ${writer.added} frame${writer.added === 1 ? '' : 's'}, ${kept.note}${writer.formatNote ? `; ${writer.formatNote}` : ''}).`;
      if (reason) this.status.error(reason, 'The recording stopped early.', 'camera');
      this.status.say(saved);
    } catch (error) {
      this.status.say('The recording is not saved.'); // no longer busy adding its sound
      this.status.error(error, 'The recording could not be saved.', 'camera');
    }
  }

  /**
   * Downloads the translated frame on screen (mirrored as shown) and adds it, with the camera
   * picture, to the list of translated photos (`onSnapshot`), where it can be shown again and is
   * part of "Download all".
   */
  async snapshot() {
    if (!this.frames) return;
    const { modelName, direction } = this.settings();
    const name = `camera-${fileStamp()}.png`;
    const [input, output] = [this.compare.input, this.compare.output].map((canvas) => (this.mirror.checked ? mirrored(canvas) : canvas));
    const saved = this.onSnapshot({ name, modelName, direction }, input, output);
    try {
      download(await saved.output, resultName(name, modelName, direction));
      this.status.say('Snapshot saved; it is also in the list of translated photos (Photos).');
    } catch (error) {
      this.status.error(error, 'The snapshot could not be saved as a PNG.', 'camera');
    }
  }
}

/**
 * A stream from the camera `deviceId`: only that one when `exact`; else that one if it starts (a
 * choice kept from an earlier visit may be unplugged or busy), or the front camera. Browsers may
 * ignore a preferred (`ideal`) deviceId, so the kept one is asked for exactly first.
 */
async function openCamera(deviceId, exact) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new FriendlyError('camera-unavailable', 'This browser does not allow the camera here. Use photos instead.',
      new Error('navigator.mediaDevices.getUserMedia is missing (an insecure page?)'));
  }
  const open = (choice) => navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, ...choice },
    audio: false,
  });
  try {
    if (deviceId) {
      try {
        return await open({ deviceId: { exact: deviceId } });
      } catch (error) {
        if (exact || deviceTrouble(error) === 'blocked') throw error;
      }
    }
    return await open({ facingMode: 'user' });
  } catch (error) {
    switch (deviceTrouble(error)) {
      case 'blocked':
        throw new FriendlyError('camera-denied', 'The camera is blocked. Allow camera access for this site in your browser’s settings, or use photos instead.', error);
      case 'absent':
        throw new FriendlyError('camera-absent', 'No camera was found. Connect one, or use photos instead.', error);
      case 'busy':
        throw new FriendlyError('camera-busy', 'The camera could not be started: another app may be using it. Close it and try again.', error);
      default:
        throw new FriendlyError('camera-unavailable', 'The camera could not be started. Use photos instead.', error);
    }
  }
}

function stopTracks(stream) {
  for (const track of stream.getTracks()) track.stop();
}
