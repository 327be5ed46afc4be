// The page's handle on one translator worker: requests as promises, one at a time.

import { Cancelled } from './errors.js';

/** A failure inside the worker, with the name the WebAssembly gave it (e.g. `DeviceLostError`). */
export class WorkerError extends Error {
  constructor({ name, message, fatal }) {
    super(message);
    this.name = name || 'Error';
    /** The worker can no longer be used: start a new one. */
    this.fatal = Boolean(fatal);
  }
}

export class TranslatorClient {
  /**
   * Starts a worker and its translator on `backend` ('auto' | 'webgpu' | 'cpu').
   * `onProgress(loaded, total)` follows the WebAssembly download; `threads` caps the CPU workers.
   */
  static async start(backend, { onProgress = () => {}, threads = null } = {}) {
    const client = new TranslatorClient(onProgress);
    try {
      client.info = await client.request('start', { backend, threads });
    } catch (error) {
      client.terminate();
      throw error;
    }
    return client;
  }

  constructor(onProgress) {
    this.worker = new Worker(new URL('./translator-worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.queue = Promise.resolve();
    this.dead = null;
    this.info = null;
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'progress') {
        onProgress(data.loaded, data.total);
        return;
      }
      const request = this.pending.get(data.id);
      if (!request) return;
      this.pending.delete(data.id);
      if (data.ok) request.resolve(data.value);
      else request.reject(new WorkerError(data.error));
      if (!data.ok && data.error.fatal) this.stop(new WorkerError(data.error));
    };
    // An uncaught error in the worker (a WebAssembly trap inside a running translation, a script
    // that failed to load) leaves its requests unanswered: fail them, and the worker with them.
    // The next request then fails as fatal too, and the engine starts a new worker.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.stop(new WorkerError({ name: 'WorkerError', message: event.message || 'the translator stopped unexpectedly', fatal: true }));
    };
  }

  /** 'webgpu' or 'cpu'. */
  get backend() {
    return this.info?.backend;
  }

  /** Why 'auto' chose the CPU, or null. */
  get fallbackReason() {
    return this.info?.fallbackReason ?? null;
  }

  /** 'software-webgpu' (the CPU is faster than the browser's software WebGPU), 'no-webgpu', or null. */
  get fallbackKind() {
    return this.info?.fallbackKind ?? null;
  }

  /**
   * Checks a model's manifest (JSON text) before its weights are downloaded; fails with an error
   * named `UnsupportedFormatError` for a newer format than this translator reads.
   */
  checkManifest(manifestText) {
    return this.request('checkManifest', { manifest: manifestText });
  }

  /**
   * Makes a model of reference PyTorch checkpoints' tensors (see the worker's `importPytorch`); the
   * tensors' values are handed over to the worker.
   */
  importPytorch(args) {
    const transfer = [args.a, args.b].filter(Boolean).flatMap(({ tensors }) => tensors.map(({ values }) => values.buffer));
    return this.request('importPytorch', args, transfer);
  }

  /** Loads a model; `files` are ArrayBuffers, handed over to the worker (no longer usable here). */
  loadModel(manifestText, files) {
    const transfer = [files.a_to_b, files.b_to_a].filter(Boolean);
    return this.request('load', { manifest: manifestText, aToB: files.a_to_b, bToA: files.b_to_a }, transfer);
  }

  /**
   * Translates an ImageData; resolves to `{ image, ms }`. The input is copied, not handed over, so
   * the caller can send it again to a new translator if this one fails.
   */
  translate(image, direction, maxSide) {
    return this.request('translate', { image, direction, maxSide });
  }

  /** Sends requests one after the other, so the translator never runs two at once. */
  request(type, args, transfer = []) {
    const run = () => new Promise((resolve, reject) => {
      if (this.dead) {
        reject(this.dead);
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /** Stops the worker; unanswered requests fail with `Cancelled`. */
  terminate() {
    this.stop(new Cancelled('the translator was replaced'));
  }

  /** Fails every unanswered request (and every later one) with `error`, and stops the worker. */
  stop(error) {
    if (this.dead) return;
    this.dead = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    this.worker.terminate();
  }
}
