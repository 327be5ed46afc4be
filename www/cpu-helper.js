// A helper of a CPU translation split across workers (see cpu-split.js): its own WebAssembly
// instance and copy of the model, computing its share of each stage when asked.
// Messages in: { type: 'init', module } | { type: 'load', manifest, aToB, bToA } |
// { type: 'run', part, count, direction, input, paddedWidth, paddedHeight, values, control };
// out: { ok: true, value } or { ok: false, error }.

import init, { Translator } from './pkg/unpaired.js';
import { runParts, abandon } from './cpu-split.js';

let translator = null;

const handlers = {
  async init({ module }) {
    await init({ module_or_path: module });
    translator = await Translator.create('cpu');
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

self.onmessage = async ({ data }) => {
  try {
    const value = await handlers[data.type](data);
    self.postMessage({ ok: true, value });
  } catch (error) {
    self.postMessage({ ok: false, error: error?.message ?? String(error) });
  }
};
