// The benchmark page: one engine at one thread count per visit (a fresh page, so onnxruntime-web's
// thread count is set before its first use), served by server.mjs: the fixture at /fixture/, our
// wasm package at /pkg/, onnxruntime-web's files at /ort/. The result goes into
// `document.body.dataset` (state: done or failed; result: the JSON line).

import { createOrt, createOursInWorker, loadFixture, measure } from './bench-core.mjs';

const params = new URLSearchParams(location.search);
const engine = params.get('engine');
const threads = Number(params.get('threads') ?? 1);
const runs = Number(params.get('runs') ?? 3);
const env = params.get('env') ?? 'browser';

async function read(path) {
  const response = await fetch(`/fixture/${path}`);
  if (!response.ok) throw new Error(`GET /fixture/${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function create(fixture) {
  if (engine === 'ours') {
    // As the web app runs it: in its translator worker, with its CPU helper workers.
    const { TranslatorClient } = await import('/translator-client.js');
    return createOursInWorker({ TranslatorClient, fixture, threads });
  }
  if (engine === 'ort') {
    const ort = await import('/ort/ort.wasm.min.mjs');
    ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
    return createOrt({ ort, fixture, threads });
  }
  throw new Error(`engine must be ours or ort, got ${engine}`);
}

function finish(state, result) {
  const line = JSON.stringify(result);
  document.getElementById('result').textContent = line;
  document.body.dataset.result = line;
  document.body.dataset.state = state;
}

try {
  const fixture = await loadFixture(read);
  const result = await measure({ create: () => create(fixture), fixture, threads, runs, now: () => performance.now() });
  finish('done', {
    env,
    runtime: navigator.userAgent,
    cross_origin_isolated: globalThis.crossOriginIsolated === true,
    hardware_concurrency: navigator.hardwareConcurrency,
    ...result,
  });
} catch (error) {
  finish('failed', { env, engine, requested_threads: threads, error: `${error?.message ?? error}` });
}
