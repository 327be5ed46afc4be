// What the benchmark does, the same in Node and in the page: read the fixture, create an engine
// (ours or onnxruntime-web), time it, compare its output with the native one. No Node or DOM APIs
// here: the callers pass in how to read a file and the modules to use.

/**
 * The most threads our translator uses: one translation is shared by up to 8 workers
 * (www/cpu-split.js), each with its own wasm instance, over a SharedArrayBuffer.
 */
export const OURS_MAX_THREADS = 8;

/** The fixture `native-trainer bench-fixture` wrote, read through `read(path) → Uint8Array`. */
export async function loadFixture(read) {
  const text = async (path) => new TextDecoder().decode(await read(path));
  const meta = JSON.parse(await text('meta.json'));
  return {
    meta,
    manifest: await text(meta.manifest),
    weights: await read(meta.weights),
    onnx: await read(meta.onnx),
    input: floats(await read(meta.input)),
    expected: floats(await read(meta.expected)),
  };
}

/** Little-endian f32 values (copied, so the bytes' alignment does not matter). */
export function floats(bytes) {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Our wasm translator (the `unpaired` module, already initialised) on the CPU backend, loaded with
 * the fixture's web model. With `threads` > 1, `startSplit(threads)` gives the helpers (a
 * `CpuSplit` of www/cpu-split.js) and each translation is shared with them; this thread must be
 * allowed to block (`Atomics.wait`: Node's main thread, or a worker).
 */
export async function createOurs({ unpaired, fixture, threads = 1, startSplit = null }) {
  if (threads > OURS_MAX_THREADS) {
    throw new Error(`our translator runs on at most ${OURS_MAX_THREADS} threads, asked for ${threads}`);
  }
  const translator = await unpaired.Translator.create('cpu');
  translator.loadModel(fixture.manifest, fixture.weights);
  const { width, height, direction } = fixture.meta;
  const split = threads > 1 ? await startSplit(threads) : null;
  if (split) await split.load(fixture.manifest, fixture.weights.slice().buffer, null);
  return {
    engine: 'ours',
    version: `unpaired wasm (${translator.backend} backend, own CPU engine)`,
    threads: split?.threads ?? 1,
    run: async (input) => {
      if (!split) return translator.translateValues(input, width, height, direction);
      const job = translator.splitValues(input, width, height, direction, split.threads);
      return split.translate(job, direction, (done) => done.finishValues());
    },
    stop: () => split?.stop(),
  };
}

/**
 * Our translator as the web app runs it: in its own worker (www/translator-worker.js, through
 * `TranslatorClient`), sharing translations with `threads - 1` helper workers.
 */
export async function createOursInWorker({ TranslatorClient, fixture, threads = 1 }) {
  const client = await TranslatorClient.start('cpu', { threads });
  const weights = fixture.weights.slice().buffer;
  await client.request('load', { manifest: fixture.manifest, aToB: weights, bToA: null });
  const { width, height, direction } = fixture.meta;
  return {
    engine: 'ours',
    version: 'unpaired wasm (the web app\'s translator worker, own CPU engine)',
    threads: client.info.threads,
    run: async (input) => (await client.request('translateValues', { values: input, width, height, direction })).values,
    stop: () => client.terminate(),
  };
}

/** onnxruntime-web's wasm execution provider on the fixture's ONNX graph, with `threads` threads. */
export async function createOrt({ ort, fixture, threads = 1 }) {
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(fixture.onnx, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const { width, height } = fixture.meta;
  return {
    engine: 'onnxruntime-web',
    version: `onnxruntime-web ${ort.env.versions?.web ?? '?'} (wasm)`,
    threads: ort.env.wasm.numThreads,
    run: async (input) => {
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, height, width]) };
      const results = await session.run(feeds);
      return results[session.outputNames[0]].data;
    },
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`output has ${a.length} values, expected ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const round = (ms) => Math.round(ms * 10) / 10;

/**
 * One warm-up run, then `runs` timed runs; the result line (without the environment's fields).
 * `now` is the clock (performance.now); `cpu`, where the environment has one, the process's CPU
 * time in ms (all its threads: CPU ms per run above the wall-clock ms shows threads at work).
 */
export async function measure({ create, fixture, threads, runs, now, cpu }) {
  let started = now();
  const engine = await create();
  const createMs = now() - started;
  started = now();
  const output = await engine.run(fixture.input);
  const warmupMs = now() - started;
  const times = [];
  const cpuTimes = [];
  let worst = maxAbsDiff(output, fixture.expected);
  for (let i = 0; i < runs; i++) {
    const cpuStarted = cpu?.();
    started = now();
    const out = await engine.run(fixture.input);
    times.push(now() - started);
    if (cpu) cpuTimes.push(cpu() - cpuStarted);
    worst = Math.max(worst, maxAbsDiff(out, fixture.expected));
  }
  const { ngf, n_blocks, width, height } = fixture.meta;
  return {
    engine: engine.engine,
    version: engine.version,
    threads: engine.threads,
    requested_threads: threads,
    ngf,
    n_blocks,
    width,
    height,
    runs,
    ms_median: round(median(times)),
    ms_min: round(Math.min(...times)),
    ms_runs: times.map(round),
    ...(cpu ? { cpu_ms_median: round(median(cpuTimes)) } : {}),
    warmup_ms: round(warmupMs),
    create_ms: round(createMs),
    max_abs_diff_vs_native: worst,
  };
}

/**
 * Summary lines: per environment and requested thread count, our median over onnxruntime-web's
 * (ours at the most threads it supports up to that count).
 */
export function summarize(results) {
  const summaries = [];
  const envs = [...new Set(results.map((r) => r.env))];
  for (const env of envs) {
    const here = results.filter((r) => r.env === env && !r.error);
    for (const ort of here.filter((r) => r.engine === 'onnxruntime-web')) {
      const threads = ort.requested_threads;
      const ours = here.find((r) => r.engine === 'ours' && r.threads === Math.min(threads, OURS_MAX_THREADS));
      if (!ours) continue;
      summaries.push({
        summary: 'ours / onnxruntime-web',
        env,
        threads,
        ours_threads: ours.threads,
        ort_threads: ort.threads,
        ours_ms: ours.ms_median,
        ort_ms: ort.ms_median,
        ratio: Math.round((ours.ms_median / ort.ms_median) * 100) / 100,
        ours_max_abs_diff: ours.max_abs_diff_vs_native,
        ort_max_abs_diff: ort.max_abs_diff_vs_native,
      });
    }
  }
  return summaries;
}
