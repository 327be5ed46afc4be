// Moves a <video> to each frame time that Video mode takes, and draws the frame there. A seek is
// exact, but it decodes again from the key frame before the time sought, which can be seconds back
// (screen and webcam recordings, edited exports; phones put one about every second): then every
// frame costs the decoding of all those before it (BENCHMARKS.md, "Video mode"). So the video is
// played forward (muted) from the frame shown to the next one wanted and paused there, while that
// is quicker than a seek (both are timed as they are used). requestVideoFrameCallback announces
// each frame shown, and a VideoFrame of the video says which one is drawn: only a frame that is
// the one announced is taken. A seek is the way whenever playing cannot give the frame: a browser
// without requestVideoFrameCallback, or whose frames drawn are not the ones announced (Firefox), a
// hidden tab (which shows no frames), a frame behind or far ahead, a frame skipped on the way, or
// nothing shown for PLAY_STALL_MS.

import { FriendlyError } from './errors.js';

/**
 * How fast the video plays between two frames taken. At 2×, Chromium's frame drawn was now and
 * then (2–3% of frames) not the one announced, and taking the frames was slower than at 1×.
 */
const PLAY_RATE = 1;
/** Further ahead than this (seconds of video), a seek is quicker than playing there. */
const PLAY_MAX_AHEAD = 2;
/** Playing that shows no frame for this long gives way to a seek. */
const PLAY_STALL_MS = 1_000;
/** A frame this much before the time wanted (seconds) is taken as at it: times are rounded. */
const EARLY = 0.001;
/** After this many frames shown while playing that were not the frame announced, only seeks. */
const MISTRUST_LIMIT = 2;
/** How long, after a seek, the frame sought may take to be shown (it may be shown already). */
const SHOWN_WAIT_MS = 100;
/** How long a seek may take before the video is called unreadable. */
const SEEK_TIMEOUT_MS = 15_000;

/**
 * Runs `start()` and waits for `event` on `video`. The video's `error` event rejects with
 * `failed(video.error)`; with `timeoutMs`, so does waiting longer, with `timedOut()`.
 */
export function mediaEvent(video, event, start, { failed, timeoutMs = 0, timedOut = null }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (settle, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      video.removeEventListener(event, happened);
      video.removeEventListener('error', errored);
      settle(value);
    };
    const happened = () => finish(resolve);
    const errored = () => finish(reject, failed(video.error));
    const timer = timeoutMs ? setTimeout(() => finish(reject, timedOut()), timeoutMs) : null;
    video.addEventListener(event, happened);
    video.addEventListener('error', errored);
    start();
  });
}

/** A media error while the frames of `name` are taken, said plainly. */
const unreadable = (name) => (error) =>
  new FriendlyError('video-unreadable', `“${name}” could not be read to the end: it may be damaged.`, new Error(error?.message || 'media error'));

/** Moves `video` to `time` (seconds) and waits until that frame can be drawn. */
export function seek(video, time, name) {
  return mediaEvent(video, 'seeked', () => { video.currentTime = time; }, {
    failed: unreadable(name),
    timeoutMs: SEEK_TIMEOUT_MS,
    timedOut: () => new FriendlyError('video-unreadable', `“${name}” stopped answering while its frames were taken: it may be damaged.`, new Error(`seek to ${time} s timed out`)),
  });
}

/** Takes a video's frames in time order, playing forward where it can (see the top). */
export class FrameStepper {
  /**
   * @param {HTMLVideoElement} video loaded (`loadeddata`), muted
   * @param {string} name the file's name, for messages
   * @param {number} tolerance seconds: how late a frame may be and still be taken for a time
   *   (half the interval between the frames taken, so no frame is taken twice)
   * @param {{ play?: boolean }} options `play: false` only seeks (to compare, in the benchmark)
   */
  constructor(video, name, tolerance, { play = true } = {}) {
    this.video = video;
    this.name = name;
    this.tolerance = tolerance;
    this.play = play;
    /** The media time of the frame shown (null: not known, as after a play that failed). */
    this.at = video.currentTime;
    /**
     * The latest media time of a frame announced as shown (requestVideoFrameCallback), for
     * `pictureEnd`; null once a frame was taken without that (a hidden tab).
     */
    this.lastShown = 0;
    /** Milliseconds a seek takes, and a second of video played (moving averages; null: not tried). */
    this.cost = { seek: null, play: null };
    /**
     * How many frames came by playing, by seeking, or were shown already; and how many frames
     * shown while playing were not the frame announced (see `takeAnnounced`).
     */
    this.counts = { played: 0, sought: 0, shown: 0, mistrusted: 0 };
  }

  /**
   * Moves the video to the frame at `time` (seconds) and returns `take(video)`, called while that
   * frame is shown (it draws the frame: later, the video may show the next one).
   */
  async frameAt(time, take) {
    if (this.at !== null && this.at >= time - EARLY && this.at <= time + this.tolerance) {
      this.counts.shown += 1;
      return take(this.video);
    }
    const ahead = this.at === null ? -1 : time - this.at;
    if (ahead > 0 && ahead <= PLAY_MAX_AHEAD && this.canPlay() && this.playIsQuicker(ahead)) {
      const started = performance.now();
      const played = await this.playTo(time, take);
      if (played) {
        this.learn('play', (performance.now() - started) / ahead);
        this.counts.played += 1;
        return played.taken;
      }
    }
    const started = performance.now();
    // After `seeked`, Chromium now and then still draws the frame from before the seek (seen in
    // 1 of 45 seeks with the CPU busy): where frames are shown, wait until the new one is.
    const shown = this.framesShown() ? this.nextShown() : null;
    try {
      // A frame's time is rounded (to µs or ms) in the file, and may be read as just after `time`.
      await seek(this.video, time + EARLY, this.name);
      // Nothing announced: the frame did not change (a video whose picture has ended, or that
      // holds it), or frames are not announced here.
      const announced = shown ? await shown.within(SHOWN_WAIT_MS) : null;
      this.at = announced ?? time;
      if (!shown) this.lastShown = null;
      else if (announced !== null) this.noteShown(announced);
    } finally {
      shown?.cancel();
    }
    this.learn('seek', performance.now() - started);
    this.counts.sought += 1;
    return take(this.video);
  }

  /**
   * The media time of the next frame shown, once `within(ms)` is called: null if none is shown in
   * that time (as when the frame does not change).
   */
  nextShown() {
    const { video } = this;
    let settle;
    let timer = null;
    const presented = new Promise((resolve) => { settle = resolve; });
    const id = video.requestVideoFrameCallback((_now, { mediaTime }) => settle(mediaTime));
    return {
      within: (ms) => {
        timer = setTimeout(() => settle(null), ms);
        return presented;
      },
      cancel: () => {
        clearTimeout(timer);
        video.cancelVideoFrameCallback(id);
      },
    };
  }

  /** Whether requestVideoFrameCallback tells when a frame is shown (not in a hidden tab). */
  framesShown() {
    return typeof this.video.requestVideoFrameCallback === 'function' && !document.hidden;
  }

  canPlay() {
    return this.play && this.framesShown() && typeof VideoFrame === 'function' && this.counts.mistrusted < MISTRUST_LIMIT && !this.video.ended;
  }

  /**
   * Whether playing `ahead` seconds is expected to be quicker than a seek. Playing is tried first,
   * then one seek, then the quicker by their averages (seeks cost more the further a frame is
   * from its key frame, so the average follows the video).
   */
  playIsQuicker(ahead) {
    const { seek: seekMs, play: playMs } = this.cost;
    if (playMs === null) return true;
    if (seekMs === null) return false;
    return ahead * playMs <= seekMs;
  }

  /**
   * `{ taken: take(video) }` of the frame shown, when it is the one requestVideoFrameCallback
   * announced (at `mediaTime`), else null. A VideoFrame of the video says which frame is shown
   * (its time); the video itself is drawn, as a seek's frame is (a VideoFrame may not carry a
   * phone video's rotation). Browsers differ: Chromium's is the frame announced, with its time; in
   * Firefox the time announced is now and then not the frame's (one before or after it), and its
   * VideoFrames of a video say time 0, so it never gets here twice (MISTRUST_LIMIT).
   */
  takeAnnounced(mediaTime, take) {
    let shownAt = null;
    try {
      const frame = new VideoFrame(this.video);
      shownAt = frame.timestamp / 1e6;
      frame.close();
    } catch {
      // A video this browser cannot make a VideoFrame of: its frame cannot be checked.
    }
    if (shownAt === null || Math.abs(shownAt - mediaTime) > EARLY) {
      this.counts.mistrusted += 1;
      this.at = null; // which frame is shown is not known
      return null;
    }
    return { taken: take(this.video) };
  }

  /** Keeps `lastShown` up to date with a frame announced as shown at `mediaTime`. */
  noteShown(mediaTime) {
    if (this.lastShown !== null) this.lastShown = Math.max(this.lastShown, mediaTime);
  }

  /**
   * Where the video's picture ends (seconds), as far as the browser tells: the last frame
   * announced as shown (Chromium announces each frame's own time), or the end of what it could
   * read of the file (Firefox says it there: a file cut short ends early), the earlier of the two;
   * only the second once frames were taken without being announced.
   */
  pictureEnd() {
    const { buffered, duration } = this.video;
    const read = buffered.length > 0 ? buffered.end(buffered.length - 1) : duration;
    return this.lastShown === null ? read : Math.min(read, this.lastShown);
  }

  learn(way, ms) {
    this.cost[way] = this.cost[way] === null ? ms : (this.cost[way] + ms) / 2;
  }

  /**
   * Plays until the frame shown is within the tolerance of `time`, pauses on it, and resolves to
   * `{ taken: take(video) }`, taken as the frame is shown. Resolves to null when a frame later
   * than that came first (one skipped, or a video with fewer frames a second than taken), or the
   * frame shown is not the one announced, or none came for PLAY_STALL_MS, or the browser would
   * not play: the video is paused then, and a seek takes over.
   */
  playTo(time, take) {
    const { video } = this;
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer = null;
      const finish = (settle, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        video.pause();
        video.removeEventListener('ended', ended);
        video.removeEventListener('error', errored);
        settle(value);
      };
      const wait = () => {
        clearTimeout(timer);
        timer = setTimeout(() => { this.at = null; finish(resolve, null); }, PLAY_STALL_MS);
      };
      const settleWith = (f) => {
        const taken = attempt(f);
        if (taken.error) finish(reject, taken.error);
        else finish(resolve, taken.value);
      };
      // Called as a frame is shown.
      const shown = (_now, { mediaTime }) => {
        if (settled) return;
        this.at = mediaTime;
        this.noteShown(mediaTime);
        if (mediaTime < time - EARLY) {
          wait();
          video.requestVideoFrameCallback(shown);
        } else if (mediaTime > time + this.tolerance) {
          finish(resolve, null);
        } else {
          video.pause();
          settleWith(() => this.takeAnnounced(mediaTime, take));
        }
      };
      // The last frame is before `time`: it stays shown, which is what a seek there shows too.
      const ended = () => settleWith(() => ({ taken: take(video) }));
      const errored = () => finish(reject, unreadable(this.name)(video.error));
      video.addEventListener('ended', ended);
      video.addEventListener('error', errored);
      video.requestVideoFrameCallback(shown);
      wait();
      video.playbackRate = PLAY_RATE;
      video.play().catch(() => { this.at = null; finish(resolve, null); });
    });
  }
}

/** `{ value }` of `f()`, or `{ error }` if it throws. */
function attempt(f) {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}
