// One engine at one thread count in this Node process (bench-cpu.mjs starts one process per
// measurement, so that onnxruntime-web's thread count is set before its first use and neither
// engine inherits the other's heap). Prints one JSON line.
//
//   node node-run.mjs --fixture DIR --engine ours|ort --threads N --runs N

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
    unpaired.initSync({ module: readFileSync(join(ROOT, 'pkg', 'unpaired_bg.wasm')) });
    return createOurs({ unpaired, fixture, threads });
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
