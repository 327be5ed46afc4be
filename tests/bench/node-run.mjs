// One engine at one thread count in this Node process (bench-cpu.mjs starts one process per
// measurement, so that onnxruntime-web's thread count is set before its first use and neither
// engine inherits the other's heap). Prints one JSON line.
//
//   node node-run.mjs --fixture DIR --engine ours|ort --threads N --runs N

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createOrt, createOurs, loadFixture, measure } from './bench-core.mjs';
import { ROOT } from '../e2e/fixtures.mjs';

const { values: options } = parseArgs({
  options: {
    fixture: { type: 'string' },
    engine: { type: 'string' },
    threads: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
  },
});

const fixture = await loadFixture(async (path) => readFileSync(join(options.fixture, path)));
const threads = Number(options.threads);

async function create() {
  if (options.engine === 'ours') {
    const unpaired = await import(join(ROOT, 'pkg', 'unpaired.js'));
    const module = new WebAssembly.Module(readFileSync(join(ROOT, 'pkg', 'unpaired_bg.wasm')));
    unpaired.initSync({ module });
    const { CpuSplit } = await import(join(ROOT, 'www', 'cpu-split.js'));
    // The web app's helpers are Web Workers; here worker_threads, behind the same surface.
    const spawn = () => {
      const worker = new Worker(new URL('./node-helper.mjs', import.meta.url));
      const helper = {
        set onmessage(handler) {
          worker.removeAllListeners('message');
          worker.on('message', (data) => handler({ data }));
        },
        set onerror(handler) {
          worker.removeAllListeners('error');
          worker.on('error', (error) => handler({ message: error.message }));
        },
        postMessage: (message, transfer) => worker.postMessage(message, transfer),
        terminate: () => worker.terminate(),
      };
      return helper;
    };
    const startSplit = (count) => CpuSplit.start({ threads: count, module, spawn });
    return createOurs({ unpaired, fixture, threads, startSplit });
  }
  if (options.engine === 'ort') {
    const ort = await import('onnxruntime-web');
    return createOrt({ ort, fixture, threads });
  }
  throw new Error(`--engine must be ours or ort, got ${options.engine}`);
}

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const result = await measure({ create, fixture, threads, runs: Number(options.runs), now: () => performance.now(), cpu });
console.log(JSON.stringify({ env: 'node', runtime: `Node ${process.version}`, ...result }));
process.exit(0); // helper workers, if any, would keep the process alive
