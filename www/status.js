// The page's messages: a status line with a progress bar (what is happening now), a notice (said
// once, dismissible) and an alert (something went wrong, with technical details on request). A
// screen reader hears the status line through a hidden live region, spared its routine updates.

import { explain } from './errors.js';

const $ = (id) => document.getElementById(id);

/** How many of a batch's failures the alert lists; the rest are counted (all are in its details). */
const LISTED_FAILURES = 10;

/** How often, at most, a screen reader hears how one piece of work is getting on. */
const SPOKEN_PROGRESS_GAP_MS = 10_000;

const MB = 1e6;
const megabytes = (bytes) => (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0);

/** A size as people read it: "12 kB", "3.1 MB", "240 MB", "1.2 GB". */
export function formatBytes(bytes) {
  if (bytes < 999_500) return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  if (bytes < 999_500_000) return `${megabytes(bytes)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** "312 ms", "2.4 s", "3 min 5 s", "1 h 12 min". */
export function formatMs(ms) {
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Which of the status line's updates a screen reader hears. An outcome ("Translated …", "The camera
 * is off.") is spoken at once. Progress belongs to a `thread` (a download, a video's frames, a batch
 * of photos): its first update is spoken at once, the rest at most once every `gap` ms, so that a
 * download's hundreds of updates, a timer's ticks or a batch of a thousand photos are not read out
 * one by one. `speak(text)` writes to the live region; `now()` gives milliseconds.
 */
export class Announcer {
  constructor(speak, now = () => performance.now(), gap = SPOKEN_PROGRESS_GAP_MS) {
    Object.assign(this, { speak, now, gap, thread: null, spokenAt: -Infinity });
  }

  /** `text`, an outcome if `thread` is null, else progress of that thread. */
  update(text, thread = null) {
    const now = this.now();
    if (thread === null || thread !== this.thread || now - this.spokenAt >= this.gap) {
      this.speak(text);
      this.spokenAt = now;
    }
    this.thread = thread;
  }
}

export class StatusView {
  constructor() {
    this.text = $('status-text');
    const spoken = $('status-spoken');
    this.announcer = new Announcer((text) => { spoken.textContent = text; });
    this.bar = $('progress');
    this.notice = $('notice');
    this.noticeText = $('notice-text');
    this.alert = $('alert');
    this.alertText = $('alert-text');
    this.alertList = $('alert-list');
    this.alertDetails = $('alert-details');
    this.alertFailures = null; // the batch's failures the alert shows (see `errors`)
    this.alertFailuresShown = 0;
    this.alertSpoken = $('alert-spoken');
    this.alertAnnouncer = new Announcer((text) => { this.alertSpoken.textContent = text; });
    this.timer = null;
    this.shownNotices = new Set();
    $('notice-close').addEventListener('click', () => { this.notice.hidden = true; });
    $('alert-close').addEventListener('click', () => this.clearAlert());
  }

  /** The status line says `text`; a screen reader hears it as the `Announcer` decides. */
  show(text, thread) {
    this.text.textContent = text;
    this.announcer.update(text, thread);
  }

  /**
   * A plain status sentence; stops any progress display. An outcome, spoken at once, unless it is
   * progress of a `thread` (one photo of a batch that goes on).
   */
  say(text, thread = null) {
    this.stopTimer();
    this.show(text, thread);
    this.bar.hidden = true;
  }

  /** A download in progress: `label` and "3.1 of 22 MB". */
  progress(label, loaded, total) {
    this.stopTimer();
    this.bar.hidden = false;
    if (total > 0) {
      this.bar.max = total;
      this.bar.value = Math.min(loaded, total);
      this.show(`${label} ${megabytes(loaded)} of ${megabytes(total)} MB`, label);
    } else {
      this.bar.removeAttribute('value'); // indeterminate
      this.show(`${label} ${megabytes(loaded)} MB`, label);
    }
  }

  /** Work in counted steps: `label` and "12 of 150", then `detail` (a time left, …). */
  steps(label, done, total, detail = '') {
    this.stopTimer();
    this.bar.hidden = false;
    this.bar.max = total;
    this.bar.value = Math.min(done, total);
    this.show(`${label} ${done} of ${total}${detail ? ` (${detail})` : ''}`, label);
  }

  /**
   * Work of unknown length: an indeterminate bar and the seconds elapsed, so it never looks stuck.
   * Progress of `thread` (by default its own).
   */
  busy(label, thread = label) {
    this.stopTimer();
    this.bar.hidden = false;
    this.bar.removeAttribute('value');
    const started = performance.now();
    const tick = () => {
      const seconds = (performance.now() - started) / 1000;
      this.show(seconds < 1 ? label : `${label} ${seconds.toFixed(0)} s`, thread);
    };
    tick();
    this.timer = setInterval(tick, 500);
  }

  stopTimer() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Something worth knowing that needs no action (the translator was restarted, …). */
  tell(text) {
    this.noticeText.textContent = text;
    this.notice.hidden = false;
  }

  /** Like `tell`, but only the first time in this visit for each `key`. */
  tellOnce(key, text) {
    if (this.shownNotices.has(key)) return;
    this.shownNotices.add(key);
    this.tell(text);
  }

  /**
   * Shows what went wrong: the friendly sentence, with the technical message folded away. `source`
   * ('photo', 'camera') marks an alert about one mode's work, which `clearAlertFrom` takes away
   * when the person leaves that mode; without it (the engine, the model) the alert stays.
   */
  error(error, fallback, source = null) {
    const { text, details } = explain(error, fallback);
    this.showAlert(text, [], details || '(none)', error?.kind ?? 'unexpected', source);
    this.alertAnnouncer.update(text);
    console.warn(`Unpaired: ${text}`, error);
  }

  /**
   * Several things went wrong in one go (photos of one batch): `heading`, then each one's sentence
   * as a list, the first LISTED_FAILURES of them (a ZIP of a thousand iPhone photos must not push
   * the page away); the technical messages of all, each under its sentence, folded away. A screen
   * reader hears the heading and the newest failure, the first time at once, then as progress.
   * @param {{ error: unknown, fallback: string }[]} failures
   */
  errors(heading, failures, source = null) {
    // Within a batch the failures only grow (the same array, longer): the details shown stay and
    // the new ones are added, so a failure costs the same however many came before it.
    const continuing = !this.alert.hidden && this.alertFailures === failures;
    const explainedOf = ({ error, fallback }) => explain(error, fallback);
    const listed = failures.slice(0, LISTED_FAILURES).map((failure) => explainedOf(failure).text);
    const more = failures.length - listed.length;
    if (more > 0) listed.push(`…and ${more.toLocaleString('en')} more: each one is in the technical details below.`);
    const added = failures.slice(continuing ? this.alertFailuresShown : 0).map(explainedOf);
    const lines = added.map(({ text, details }) => `${text}\n  ${details || '(none)'}`).join('\n');
    this.showAlert(heading, listed, continuing ? null : lines, 'several', source);
    if (continuing && lines) this.alertDetails.append(`\n${lines}`);
    this.alertFailures = failures;
    this.alertFailuresShown = failures.length;
    const newest = failures.at(-1);
    this.alertAnnouncer.update(`${heading} ${(added.at(-1) ?? explainedOf(newest)).text}`, 'several');
    console.warn(`Unpaired: ${heading}`, newest.error);
  }

  /** The alert says `text`, lists `items`; its details are `details` (null: those shown stay). */
  showAlert(text, items, details, kind, source) {
    this.alertText.textContent = text;
    this.alertList.replaceChildren(...items.map((item) => Object.assign(document.createElement('li'), { textContent: item })));
    this.alertList.hidden = items.length === 0;
    if (details !== null) this.alertDetails.textContent = details;
    this.alertFailures = null;
    this.alert.hidden = false;
    this.alert.dataset.kind = kind;
    if (source) this.alert.dataset.source = source;
    else delete this.alert.dataset.source;
  }

  clearAlert() {
    this.alert.hidden = true;
    this.alertSpoken.textContent = ''; // the same sentence again later is news again
    this.alertFailures = null;
    delete this.alert.dataset.kind;
    delete this.alert.dataset.source;
  }

  /** Takes the alert away if it is about `source`'s work (see `error`). */
  clearAlertFrom(source) {
    if (!this.alert.hidden && this.alert.dataset.source === source) this.clearAlert();
  }
}
