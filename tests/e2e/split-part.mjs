// A part of a split CPU translation for cpu-split.test.mjs, in a worker_thread: runs
// www/cpu-split.js's stage loop over a stand-in for the wasm `SplitJob` (no WebAssembly), which
// writes its part number into its share and records what it received from the others.

import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { ROOT } from './fixtures.mjs';
import { fakeJob } from './split-fake-job.mjs';

const { runParts } = await import(join(ROOT, 'www', 'cpu-split.js'));
const { part, count, stages, values, control, failAt } = workerData;
const job = fakeJob({ part, count, stages, failAt });
try {
  runParts(job, { values, control }, count);
  parentPort.postMessage({ ok: true, received: job.received });
} catch (error) {
  parentPort.postMessage({ ok: false, name: error.name, message: error.message });
}
