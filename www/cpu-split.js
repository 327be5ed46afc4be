// CPU translations shared by several workers. Every worker (this translator's worker, part 0, and
// `threads - 1` helpers from cpu-helper.js) holds its own WebAssembly instance and model. The
// generator runs stage by stage in step: each part computes its share of a stage's output
// channels (the last stage's rows) (`SplitJob.runStage`), writes it into one SharedArrayBuffer,
// waits at a barrier for the others, reads everyone's back (`completeStage`) and waits again, so
// the buffer is free for the next stage. Part 0 then returns the image.
//
// Needs SharedArrayBuffer and Atomics.wait, i.e. a cross-origin isolated page (COOP/COEP headers)
// and a worker (never the page's main thread). Plain ES module: also runs in Node's worker_threads
// (see tests/bench), given `spawn`.

/**
 * The most CPU workers a translation uses unless asked for more: each holds its own copy of the
 * model laid out for the kernels (~0.25 GB for a full ResNet-9), so more would cost a phone too
 * much memory for little gain.
 */
export const DEFAULT_MAX_THREADS = 4;

/**
 * Threads to use here: `requested` (a positive number, at most 8) or one per core up to
 * DEFAULT_MAX_THREADS; 1 when the page cannot share memory.
 */
export function cpuThreads(requested = null, global = globalThis) {
  if (!global.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') return 1;
  const cores = Number(global.navigator?.hardwareConcurrency) || 1;
  if (Number(requested) > 0) return Math.min(Math.floor(Number(requested)), 8);
  return Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS));
}

/** Why a page runs on one thread (null when it may use more). */
export function singleThreadReason(global = globalThis) {
  if (!global.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    return 'the page is not cross-origin isolated (no COOP/COEP headers), so workers cannot share memory';
  }
  if ((Number(global.navigator?.hardwareConcurrency) || 1) < 2) return 'this device reports one processor core';
  return null;
}

const ARRIVED = 0;
const FAILED = 1;
/** Checks of the barrier before a part goes to sleep on it. */
const SPINS = 20_000;
/** How long a part waits for the others before it gives up on them. */
const STALL_MS = 60_000;

class SplitFailed extends Error {
  constructor(message) {
    super(message);
    this.name = 'SplitFailed';
  }
}

/** Waits until all `count` parts have arrived at barrier number `generation` (1, 2, …). */
function barrier(control, count, generation) {
  const target = count * generation;
  if (Atomics.add(control, ARRIVED, 1) + 1 >= target) {
    Atomics.notify(control, ARRIVED);
  }
  let seen = Atomics.load(control, ARRIVED);
  // The others are usually a fraction of a millisecond behind: look a little before sleeping
  // (a sleep and wake-up costs far more than a translation's small stages).
  for (let spin = 0; seen < target && spin < SPINS; spin++) {
    if (Atomics.load(control, FAILED) !== 0) throw new SplitFailed('another CPU worker failed');
    seen = Atomics.load(control, ARRIVED);
  }
  let since = performance.now();
  while (seen < target) {
    if (Atomics.load(control, FAILED) !== 0) throw new SplitFailed('another CPU worker failed');
    Atomics.wait(control, ARRIVED, seen, 250);
    const now = Atomics.load(control, ARRIVED);
    if (now !== seen) {
      seen = now;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      throw new SplitFailed('a CPU worker stopped responding');
    }
  }
}

/** Marks the shared translation failed, waking every part so that none waits forever. */
export function abandon(control) {
  Atomics.store(control, FAILED, 1);
  Atomics.notify(control, ARRIVED);
}

/**
 * Runs one part's share of every stage, in step with the others.
 * `shared` = { values: Float32Array, control: Int32Array } over SharedArrayBuffers.
 */
export function runParts(job, shared, count) {
  const { values, control } = shared;
  let generation = 0;
  try {
    for (let stage = 0; stage < job.stages; stage++) {
      job.runStage(stage);
      const offset = job.ownOffset(stage);
      values.set(job.ownOutput(stage), offset);
      barrier(control, count, ++generation);
      job.completeStage(stage, values.subarray(0, job.stageValues()));
      barrier(control, count, ++generation);
    }
  } catch (error) {
    abandon(control);
    throw error;
  }
}

/**
 * What a helper worker does (www/cpu-helper.js in a page, tests/bench/node-helper.mjs in Node):
 * `start(module)` instantiates the WebAssembly module given and resolves to its `Translator`.
 * Messages: { type: 'init', module } | { type: 'load', manifest, aToB, bToA } |
 * { type: 'run', part, count, direction, input, paddedWidth, paddedHeight, values, control }.
 */
export function helperHandlers(start) {
  let translator = null;
  return {
    async init({ module }) {
      translator = await start(module);
    },

    load({ manifest, aToB, bToA }) {
      const bytes = (buffer) => (buffer ? new Uint8Array(buffer) : undefined);
      translator.loadModel(manifest, bytes(aToB), bytes(bToA));
    },

    run({ part, count, direction, input, paddedWidth, paddedHeight, values, control }) {
      let job;
      try {
        job = translator.joinSplit(input, paddedWidth, paddedHeight, direction, part, count);
      } catch (error) {
        abandon(control);
        throw error;
      }
      try {
        runParts(job, { values, control }, count);
      } finally {
        job.free();
      }
    },
  };
}

/** Answers a helper's request: { ok: true, value } or { ok: false, error }. */
export async function answer(handlers, data) {
  try {
    return { ok: true, value: await handlers[data.type](data) };
  } catch (error) {
    return { ok: false, error: error?.message ?? String(error) };
  }
}

/**
 * The helpers of one translator worker. `spawn()` returns a worker running cpu-helper.js (a Web
 * Worker, or an adapter with the same postMessage/onmessage surface).
 */
export class CpuSplit {
  static async start({ threads, module, spawn }) {
    const split = new CpuSplit(threads);
    split.helpers = Array.from({ length: threads - 1 }, () => spawn());
    await split.all(() => ({ type: 'init', module }));
    return split;
  }

  constructor(threads) {
    this.threads = threads;
    this.helpers = [];
    this.shared = null;
  }

  /** Sends a request to every helper and waits for all their answers. */
  all(message, transfer = []) {
    return Promise.all(this.helpers.map((helper, index) => new Promise((resolve, reject) => {
      helper.onmessage = ({ data }) => (data.ok ? resolve(data.value) : reject(new Error(data.error)));
      helper.onerror = (event) => reject(new Error(event.message ?? 'a CPU worker failed to start'));
      helper.postMessage(message(index + 1), transfer);
    })));
  }

  /** Gives every helper the model the translator just loaded (copies of the weights). */
  load(manifest, aToB, bToA) {
    return this.all(() => ({ type: 'load', manifest, aToB, bToA }));
  }

  /**
   * Runs `job` (part 0's, from `splitImage`/`splitValues`) with the helpers and returns
   * `finish(job)` (its `finishImage()` or `finishValues()`); frees the job either way.
   */
  async translate(job, direction, finish) {
    try {
      await this.run(job, direction);
      return finish(job);
    } finally {
      job.free();
    }
  }

  /** Runs `job` (part 0's, from `splitImage`/`splitValues`) with the helpers; returns the job. */
  async run(job, direction) {
    const count = this.threads;
    const floats = job.largestStage;
    if (!this.shared || this.shared.values.length < floats) {
      this.shared = {
        values: new Float32Array(new SharedArrayBuffer(floats * 4)),
        control: new Int32Array(new SharedArrayBuffer(8)),
      };
    }
    const { values, control } = this.shared;
    control.fill(0);
    const input = job.input;
    const done = this.all((part) => ({
      type: 'run',
      part,
      count,
      direction,
      input,
      paddedWidth: job.paddedWidth,
      paddedHeight: job.paddedHeight,
      values,
      control,
    }));
    done.catch(() => abandon(control));
    runParts(job, this.shared, count);
    await done;
    return job;
  }

  stop() {
    for (const helper of this.helpers) helper.terminate();
    this.helpers = [];
  }
}
