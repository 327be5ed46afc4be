// The microphone's sound for a camera recording: opened when the recording starts (the browser
// asks for it the first time), recorded by the browser itself (MediaRecorder, in its own format)
// with the recording's pauses, and handed back when the recording is saved as an AudioBuffer for
// the video's times, placed by the recording's own clock. A microphone that is blocked, missing or
// busy leaves the recording without sound and says why; the video goes on either way.

import { deviceTrouble } from './errors.js';
import { SOUND_RATE } from './video-writer.js';

/** Why the microphone gave no sound, as a phrase ("no sound (…)"). */
export const MICROPHONE_TROUBLE = {
  blocked: 'the microphone is blocked',
  absent: 'no microphone was found',
  busy: 'the microphone is in use by another app',
  other: 'the microphone could not be started',
};

/** Whether this browser can record the microphone's sound for a video (and encode it). */
export const canRecordSound = () => typeof MediaRecorder === 'function' && typeof AudioEncoder === 'function'
  && typeof OfflineAudioContext === 'function' && typeof navigator.mediaDevices?.getUserMedia === 'function';

export class SoundRecorder {
  /**
   * Starts recording the microphone's sound.
   * @param {() => number} clock the recording's clock in µs (standing still while it is paused)
   * @param {boolean} paused whether the recording is paused now
   */
  constructor(clock, paused) {
    this.clock = clock;
    this.paused = paused;
    this.parts = [];
    this.start = null; // where the sound starts on the recording's clock (µs)
    this.failure = null; // why there is no sound (a phrase), once known
    this.closed = false;
    this.stream = null;
    this.recorder = null;
    this.stopped = null; // resolves once the recorder has given all it recorded
    /** Resolves once the microphone is recorded, or `failure` says why it is not. */
    this.ready = this.open();
  }

  async open() {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (error) {
      this.fail(MICROPHONE_TROUBLE[deviceTrouble(error)], error);
      return;
    }
    if (this.closed) {
      this.close(); // the recording ended while the browser was asking
      return;
    }
    try {
      const recorder = new MediaRecorder(this.stream);
      this.stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
      recorder.addEventListener('dataavailable', (event) => {
        if (event.data.size > 0) this.parts.push(event.data);
      });
      recorder.addEventListener('error', (event) => this.fail('the sound could not be recorded here', event.error ?? event));
      recorder.start();
      this.recorder = recorder;
      this.start = this.clock();
      if (this.paused) recorder.pause();
    } catch (error) {
      this.fail('the sound could not be recorded here', error);
    }
  }

  fail(reason, error) {
    console.info(`Unpaired: the recording has no sound: ${reason}`, error);
    this.failure ??= reason;
    this.close();
  }

  /** Pauses the sound with the recording (its clock stands still meanwhile). */
  pause() {
    this.paused = true;
    if (this.recorder?.state === 'recording') this.recorder.pause();
  }

  resume() {
    this.paused = false;
    if (this.recorder?.state === 'paused') this.recorder.resume();
  }

  /** Stops recording: the microphone is released. */
  close() {
    this.closed = true;
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
  }

  /**
   * The sound from `from` µs on the recording's clock, `seconds` long (silence where none was
   * recorded), as `encodeSound` takes it: `{ buffer }` (one channel at SOUND_RATE), or `{ note }`
   * saying why there is none. Call after `close`; a microphone still being asked for (the
   * browser's question unanswered) is not waited for.
   */
  async decoded(from, seconds) {
    if (this.failure) return { note: `no sound (${this.failure})` };
    if (!this.recorder) return { note: 'no sound (the recording ended before the microphone started)' };
    await this.stopped;
    if (this.failure) return { note: `no sound (${this.failure})` };
    const recorded = new Blob(this.parts, { type: this.recorder.mimeType });
    const length = Math.round(seconds * SOUND_RATE);
    if (recorded.size === 0 || length < 1) return { note: 'no sound (the microphone gave none)' };
    let heard;
    try {
      heard = await new OfflineAudioContext(1, 1, SOUND_RATE).decodeAudioData(await recorded.arrayBuffer());
    } catch (error) {
      console.info('Unpaired: the recorded sound could not be decoded', error);
      return { note: 'no sound (this browser could not read back what it recorded)' };
    }
    // The microphone's channels mixed into one; sample i of what was heard goes to sample i - skip.
    const channels = Array.from({ length: heard.numberOfChannels }, (_, channel) => heard.getChannelData(channel));
    const skip = Math.round(((from - this.start) / 1e6) * SOUND_RATE);
    const samples = new Float32Array(length);
    for (let j = Math.max(0, -skip); j < Math.min(length, heard.length - skip); j++) {
      let sum = 0;
      for (const channel of channels) sum += channel[j + skip];
      samples[j] = sum / channels.length;
    }
    const buffer = new AudioBuffer({ length, numberOfChannels: 1, sampleRate: SOUND_RATE });
    buffer.copyToChannel(samples, 0);
    return { buffer };
  }
}
