// Errors a person can act on. Each carries a plain-language sentence for the page and the
// technical message behind it for the "Technical details" disclosure.

export class FriendlyError extends Error {
  /**
   * @param {string} kind   short machine name (`damaged-image`, `model-load`, `camera-denied`, …)
   * @param {string} text   what the person reads
   * @param {unknown} cause the underlying error, shown as details
   */
  constructor(kind, text, cause) {
    super(text, { cause });
    this.name = 'FriendlyError';
    this.kind = kind;
  }

  get details() {
    return technical(this.cause);
  }
}

/** The technical message of any thrown value. */
export function technical(error) {
  if (error === undefined || error === null) return '';
  if (error instanceof FriendlyError) return error.details;
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/** The sentence to show for `error`, with `fallback` for errors nobody anticipated. */
export function explain(error, fallback) {
  if (error instanceof FriendlyError) return { text: error.message, details: error.details };
  return { text: fallback, details: technical(error) };
}

/**
 * Why the browser gave no camera or microphone (getUserMedia's failure): 'blocked' (the person or
 * the site's settings said no), 'absent' (none, or none that fits), 'busy' (another app holds it),
 * or 'other'.
 */
export function deviceTrouble(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'blocked';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'absent';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'other';
  }
}

/**
 * Whether reading a chosen file failed because the file is no longer what was chosen: moved,
 * deleted or changed on the disk since (Chromium says NotFoundError when it is gone,
 * NotReadableError when it changed; Firefox AbortError when it is gone, and reads a changed one).
 */
export const isFileGone = (error) => ['NotReadableError', 'NotFoundError', 'AbortError'].includes(error?.name);

/** A request that was overtaken (a newer model, another backend): nothing to report. */
export class Cancelled extends Error {
  constructor(reason = 'cancelled') {
    super(reason);
    this.name = 'Cancelled';
  }
}
