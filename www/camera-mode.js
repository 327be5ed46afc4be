// The camera: frames translated one after another for as long as the camera mode is open, with a
// frames-per-second readout, a mirror toggle, pause, and a snapshot to download. Leaving the mode
// switches the camera off.

import { Cancelled, FriendlyError } from './errors.js';
import { download, drawScaled, paint, toPng } from './images.js';
import { formatMs } from './status.js';

const $ = (id) => document.getElementById(id);

/** How many recent frames the rate is measured over. */
const RATE_WINDOW = 10;

export class CameraMode {
  /**
   * @param {{ engine, status, compare: import('./compare.js').CompareView,
   *           settings: () => { direction: string, maxSide: number, modelName: string, mirror: boolean },
   *           onMirrorChange: (mirror: boolean) => void }} options
   */
  constructor({ engine, status, compare, settings, onMirrorChange }) {
    this.engine = engine;
    this.status = status;
    this.compare = compare;
    this.settings = settings;
    this.video = $('video');
    this.rate = $('fps');
    this.pauseButton = $('camera-pause');
    this.mirror = $('mirror');
    this.grab = document.createElement('canvas');
    this.stream = null;
    this.session = 0; // bumped on every start and stop, so a stale loop ends
    this.paused = false;
    this.wake = null;
    this.frames = 0;
    this.times = [];

    this.mirror.checked = settings().mirror;
    compare.setMirror(this.mirror.checked);
    this.mirror.addEventListener('change', () => {
      compare.setMirror(this.mirror.checked);
      onMirrorChange(this.mirror.checked);
    });
    this.pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
    $('snapshot').addEventListener('click', () => this.snapshot());
    window.addEventListener('pagehide', () => this.stop());
  }

  get running() {
    return this.stream !== null;
  }

  /** Switches the camera on and starts translating its frames. */
  async start() {
    const session = ++this.session;
    this.setPaused(false);
    this.frames = 0;
    this.times = [];
    this.showRate('Starting the camera…');
    let stream;
    try {
      stream = await openCamera();
    } catch (error) {
      if (session === this.session) {
        this.showRate('Camera off');
        this.status.error(error, 'The camera could not be started.');
      }
      return;
    }
    if (session !== this.session) {
      stopTracks(stream); // left camera mode while the browser was asking
      return;
    }
    this.stream = stream;
    document.body.dataset.camera = 'on';
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch (error) {
      this.stop();
      this.status.error(new FriendlyError('camera-busy', 'The camera started but shows no picture. Close other apps that use it and try again.', error));
      return;
    }
    this.showRate('Waiting for the first frame…');
    this.status.say('The camera is on: each frame is translated here, on your device.');
    this.loop(session);
  }

  /** Switches the camera off. */
  stop() {
    if (this.stream) this.status.say('The camera is off.');
    this.session += 1;
    if (this.wake) this.wake();
    if (this.stream) stopTracks(this.stream);
    this.stream = null;
    this.video.pause();
    this.video.srcObject = null;
    document.body.dataset.camera = 'off';
  }

  setPaused(paused) {
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
        this.status.error(error, 'The camera picture could not be translated.');
        continue;
      } finally {
        this.rate.dataset.busy = 'false';
      }
      if (session !== this.session) return;
      paint(this.compare.input, input);
      paint(this.compare.output, result.image);
      this.countFrame(result.ms);
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

  async snapshot() {
    if (!this.frames) return;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const { modelName, direction } = this.settings();
    download(await toPng(this.compare.output, { mirror: this.mirror.checked }), `camera-${stamp}-${modelName}-${direction}.png`);
  }
}

async function openCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new FriendlyError('camera-unavailable', 'This browser does not allow the camera here. Use photos instead.',
      new Error('navigator.mediaDevices.getUserMedia is missing (an insecure page?)'));
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
      audio: false,
    });
  } catch (error) {
    switch (error?.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        throw new FriendlyError('camera-denied', 'The camera is blocked. Allow camera access for this site in your browser’s settings, or use photos instead.', error);
      case 'NotFoundError':
      case 'OverconstrainedError':
        throw new FriendlyError('camera-absent', 'No camera was found. Connect one, or use photos instead.', error);
      case 'NotReadableError':
      case 'AbortError':
        throw new FriendlyError('camera-busy', 'The camera could not be started: another app may be using it. Close it and try again.', error);
      default:
        throw new FriendlyError('camera-unavailable', 'The camera could not be started. Use photos instead.', error);
    }
  }
}

function stopTracks(stream) {
  for (const track of stream.getTracks()) track.stop();
}
