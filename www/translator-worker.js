// The translator runs here, in a worker, so a long translation on the CPU never freezes the page.
// Messages in: { id, type: 'start' | 'checkManifest' | 'importPytorch' | 'load' | 'translate', ...arguments };
// out: { id, ok, value } or { id, ok: false, error: { name, message, fatal } }, and
// { type: 'progress', loaded, total } while the WebAssembly downloads. `fatal` means this
// worker's WebAssembly is no longer usable (it trapped), so the page must start a new worker.

import init, { StateDict, Translator, checkManifest, importPytorch } from './pkg/unpaired.js';
import { CpuSplit, cpuThreads, singleThreadReason } from './cpu-split.js';

let translator = null;
/** Helpers sharing CPU translations (null: one thread). */
let split = null;
/** Why CPU translations run on one thread, if they do. */
let oneThreadReason = null;

/** Starts the CPU helpers when the page may share memory and has cores to spare. */
async function startSplit(requested) {
  const threads = cpuThreads(requested);
  oneThreadReason = Number(requested) === 1 ? 'one thread was asked for' : singleThreadReason();
  if (threads < 2) return;
  try {
    split = await CpuSplit.start({
      threads,
      module: init.__wbindgen_wasm_module,
      spawn: () => new Worker(new URL('./cpu-helper.js', import.meta.url), { type: 'module' }),
    });
  } catch (error) {
    split?.stop();
    split = null;
    oneThreadReason = `the helper workers did not start (${error.message})`;
    console.warn(`Unpaired: translating on one thread: ${oneThreadReason}`);
  }
}

/** Gives up on the helpers after a failure; later translations run on this thread alone. */
function dropSplit(error) {
  console.warn(`Unpaired: the CPU workers failed (${error.message}); translating on one thread`);
  split?.stop();
  split = null;
  oneThreadReason = `the helper workers failed (${error.message})`;
}

const handlers = {
  /**
   * Downloads and starts the WebAssembly, then creates the translator on `backend`; on the CPU,
   * with `threads` workers (default: one per core when the page is cross-origin isolated).
   */
  async start({ backend, threads }) {
    await init({ module_or_path: await wasmWithProgress(new URL('./pkg/unpaired_bg.wasm', import.meta.url)) });
    translator = await Translator.create(backend);
    if (translator.backend === 'cpu') await startSplit(threads);
    return {
      backend: translator.backend,
      fallbackReason: translator.fallbackReason ?? null,
      fallbackKind: translator.fallbackKind ?? null,
      threads: translator.backend === 'cpu' ? (split?.threads ?? 1) : null,
      oneThreadReason: translator.backend === 'cpu' && !split ? oneThreadReason : null,
    };
  },

  /** Checks a model's manifest (JSON text) before its weights are downloaded. */
  checkManifest({ manifest }) {
    return { manifest: checkManifest(manifest) };
  },

  /**
   * Makes a model of one or two reference PyTorch checkpoints, read by pytorch.js: `a` (A → B)
   * and `b` (B → A, or null) as `{ file, tensors: [{ key, shape, values }] }`. Resolves to its
   * manifest's JSON text and its weights files (`{ 'a_to_b.bpk': ArrayBuffer, … }`), handed back.
   */
  importPytorch({ name, domainA, domainB, a, b }) {
    const stateOf = ({ tensors }) => {
      const state = new StateDict();
      for (const { key, shape, values } of tensors) state.add(key, Uint32Array.from(shape), values);
      return state;
    };
    const model = importPytorch(name, domainA, domainB, a.file, stateOf(a), b?.file ?? null, b ? stateOf(b) : null);
    try {
      const files = Object.fromEntries(model.fileNames.map((file) => [file, model.file(file).buffer]));
      return { value: { manifest: model.manifest, files }, transfer: Object.values(files) };
    } finally {
      model.free();
    }
  },

  /** Loads a model: the manifest's JSON text and each direction's weights (ArrayBuffer or null). */
  async load({ manifest, aToB, bToA }) {
    const bytes = (buffer) => (buffer ? new Uint8Array(buffer) : undefined);
    const loaded = translator.loadModel(manifest, bytes(aToB), bytes(bToA));
    if (split) {
      try {
        await split.load(manifest, aToB, bToA);
      } catch (error) {
        dropSplit(error);
      }
    }
    return { manifest: loaded };
  },

  /** Translates an ImageData; the result's pixels are transferred back, not copied. */
  async translate({ image, direction, maxSide }) {
    translator.maxSide = maxSide;
    const started = performance.now();
    const output = await translateImage(image, direction);
    return { value: { image: output, ms: performance.now() - started }, transfer: [output.data.buffer] };
  },

  /** Translates planar values `[3, height, width]` in [-1, 1] (no scaling, no rounding). */
  async translateValues({ values, width, height, direction }) {
    const started = performance.now();
    const output = await translateValues(values, width, height, direction);
    return { value: { values: output, ms: performance.now() - started }, transfer: [output.buffer] };
  },
};

/**
 * Runs a translation on the helpers too when there are any: `start(count)` makes part 0's job
 * (a bad input fails there, before any helper is involved, with the usual message) and
 * `finish(job)` reads its result. Resolves to null when it did not run split (no helpers, a
 * direction the CPU engine does not run, or helpers that failed and were dropped).
 */
async function onHelpers(direction, start, finish) {
  if (!split || !translator.canSplit(direction)) return null;
  const job = start(split.threads);
  try {
    return await split.translate(job, direction, finish);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    dropSplit(error);
    return null;
  }
}

/** An ImageData, split across the helpers when there are any. */
async function translateImage(image, direction) {
  const start = (count) => translator.splitImage(image, direction, count);
  return (await onHelpers(direction, start, (job) => job.finishImage())) ?? translator.translate(image, direction);
}

/** Planar values in and out, unrounded (benchmarks, output comparisons); split like images. */
async function translateValues(values, width, height, direction) {
  const start = (count) => translator.splitValues(values, width, height, direction, count);
  return (await onHelpers(direction, start, (job) => job.finishValues()))
    ?? translator.translateValues(values, width, height, direction);
}

async function wasmWithProgress(url) {
  const response = await fetch(url);
  if (!response.ok || !response.body) return response;
  const total = Number(response.headers.get('content-length')) || 0;
  let loaded = 0;
  let reported = 0;
  const counted = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      const now = performance.now();
      if (now - reported > 100 || loaded === total) {
        reported = now;
        self.postMessage({ type: 'progress', loaded, total });
      }
      controller.enqueue(chunk);
    },
  }));
  return new Response(counted, { headers: { 'content-type': 'application/wasm' } });
}

self.onmessage = async ({ data }) => {
  const { id, type, ...args } = data;
  try {
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request '${type}'`);
    if (type !== 'start' && !translator) throw new Error('the translator has not started');
    const result = await handler(args);
    const { value, transfer } = result && 'transfer' in result ? result : { value: result, transfer: [] };
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: {
        name: error?.name ?? 'Error',
        message: error?.message ?? String(error),
        fatal: error instanceof WebAssembly.RuntimeError,
      },
    });
  }
};
