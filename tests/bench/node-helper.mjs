// www/cpu-helper.js for Node's worker_threads: a helper of a split CPU translation, with its own
// wasm instance and model (the same handlers, over parentPort instead of a Web Worker's self).

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { ROOT } from '../e2e/fixtures.mjs';

const unpaired = await import(join(ROOT, 'pkg', 'unpaired.js'));
const { answer, helperHandlers } = await import(join(ROOT, 'www', 'cpu-split.js'));

const handlers = helperHandlers(async (module) => {
  unpaired.initSync({ module });
  return unpaired.Translator.create('cpu');
});

parentPort.on('message', async (data) => parentPort.postMessage(await answer(handlers, data)));
