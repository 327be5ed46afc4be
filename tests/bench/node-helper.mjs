// www/cpu-helper.js for Node's worker_threads: a helper of a split CPU translation, with its own
// wasm instance and model (the same handlers, over parentPort instead of a Web Worker's self).

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { ROOT } from '../e2e/fixtures.mjs';

const unpaired = await import(join(ROOT, 'pkg', 'unpaired.js'));
const { runParts, abandon } = await import(join(ROOT, 'www', 'cpu-split.js'));
let translator = null;

const handlers = {
  async init({ module }) {
    unpaired.initSync({ module });
    translator = await unpaired.Translator.create('cpu');
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

parentPort.on('message', async (data) => {
  try {
    parentPort.postMessage({ ok: true, value: await handlers[data.type](data) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: error?.message ?? String(error) });
  }
});
