// The translator runs here, in a worker, so a long translation on the CPU never freezes the page.
// Messages in: { id, type: 'start' | 'load' | 'translate', ...arguments }; out: { id, ok, value }
// or { id, ok: false, error: { name, message, fatal } }, and { type: 'progress', loaded, total }
// while the WebAssembly downloads. `fatal` means this worker's WebAssembly is no longer usable (it
// trapped), so the page must start a new worker.

import init, { Translator } from './pkg/unpaired.js';

let translator = null;

const handlers = {
  /** Downloads and starts the WebAssembly, then creates the translator on `backend`. */
  async start({ backend }) {
    await init({ module_or_path: await wasmWithProgress(new URL('./pkg/unpaired_bg.wasm', import.meta.url)) });
    translator = await Translator.create(backend);
    return {
      backend: translator.backend,
      fallbackReason: translator.fallbackReason ?? null,
      fallbackKind: translator.fallbackKind ?? null,
    };
  },

  /** Loads a model: the manifest's JSON text and each direction's weights (ArrayBuffer or null). */
  load({ manifest, aToB, bToA }) {
    const bytes = (buffer) => (buffer ? new Uint8Array(buffer) : undefined);
    return { manifest: translator.loadModel(manifest, bytes(aToB), bytes(bToA)) };
  },

  /** Translates an ImageData; the result's pixels are transferred back, not copied. */
  async translate({ image, direction, maxSide }) {
    translator.maxSide = maxSide;
    const started = performance.now();
    const output = await translator.translate(image, direction);
    return { value: { image: output, ms: performance.now() - started }, transfer: [output.data.buffer] };
  },
};

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
