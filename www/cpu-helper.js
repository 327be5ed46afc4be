// A helper of a CPU translation split across workers (see cpu-split.js): its own WebAssembly
// instance and copy of the model, computing its share of each stage when asked. Messages: see
// `helperHandlers` in cpu-split.js; answers { ok: true, value } or { ok: false, error }.

import init, { Translator } from './pkg/unpaired.js';
import { answer, helperHandlers } from './cpu-split.js';

const handlers = helperHandlers(async (module) => {
  await init({ module_or_path: module });
  return Translator.create('cpu');
});

self.onmessage = async ({ data }) => self.postMessage(await answer(handlers, data));
