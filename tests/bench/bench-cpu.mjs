// Browser CPU benchmark (issue 8): our wasm translator's CPU backend against onnxruntime-web's wasm
// execution provider, on the same generator weights and input, in Node and in headless Firefox.
// Prints one JSON line per environment, engine and thread count (median ms of --runs after one
// warm-up run, and the largest difference from the native Flex output), then one summary line per
// environment and thread count with the ratio ours / onnxruntime-web. Not a test: nothing asserted.
//
//   cargo run --release -p native-trainer --no-default-features -- bench-fixture \
//       --ngf 64 --n-blocks 9 --size 256 --out /tmp/fixture-256
//   bash scripts/build-web.sh                  # our wasm package in pkg/
//   cd tests/bench && npm ci
//   node bench-cpu.mjs --fixture /tmp/fixture-256 --runs 2 --threads 1,2 [--node] [--firefox]
//
// Each measurement runs in a fresh process (Node) or a fresh page (Firefox), so that
// onnxruntime-web's thread count is set before its first use.
//
// Compilation: both runtimes first run wasm from a quick baseline compiler and swap in optimised
// code later (V8: Liftoff then TurboFan, per hot function; Firefox: baseline then Ion, in the
// background), so the first runs after loading are slower, by a varying amount (up to ~10× for
// onnxruntime-web on a small model in Node). By default the benchmark measures optimised code:
// Node runs with `--no-liftoff` and Firefox with `javascript.options.wasm_baselinejit` off, so
// everything is optimised when the module is compiled (that time is in `create_ms`).
// `--tiering` keeps the runtimes' defaults instead (what a freshly opened page gets). Our translator runs on at most
// OURS_MAX_THREADS threads (bench-core.mjs); at higher thread counts the summary compares
// onnxruntime-web with our best, and says how many threads each used.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OURS_MAX_THREADS, summarize } from './bench-core.mjs';
import { OUTPUT } from '../e2e/fixtures.mjs';
import { requirePkg } from '../e2e/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const { values: options } = parseArgs({
  options: {
    fixture: { type: 'string' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    node: { type: 'boolean', default: false },
    firefox: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'ours,ort' },
    tiering: { type: 'boolean', default: false },
  },
});

if (!options.fixture) {
  throw new Error('--fixture DIR is required (write one with `native-trainer bench-fixture --out DIR`)');
}
const fixture = resolve(options.fixture);
if (!existsSync(join(fixture, 'meta.json'))) throw new Error(`${fixture}/meta.json is missing: not a bench-fixture folder`);
requirePkg();
if (!existsSync(join(HERE, 'node_modules', 'onnxruntime-web'))) throw new Error('onnxruntime-web is missing: run `npm ci` in tests/bench');
const runs = Number(options.runs);
const threadCounts = options.threads.split(',').map(Number);
if (!(runs >= 1) || threadCounts.some((t) => !(t >= 1))) throw new Error('--runs and --threads must be positive');
const environments = options.node || options.firefox ? ['node', 'firefox'].filter((e) => options[e]) : ['node', 'firefox'];
const engines = options.engines.split(',');
const compilation = options.tiering ? 'tiered (runtime default)' : 'optimised up front';
const NODE_FLAGS = options.tiering ? [] : ['--no-liftoff'];
const FIREFOX_PREFS = options.tiering ? {} : { 'javascript.options.wasm_baselinejit': false };

/** (engine, threads) pairs to measure: ours once per thread count it really uses. */
function plan() {
  const pairs = [];
  if (engines.includes('ours')) {
    for (const t of new Set(threadCounts.map((t) => Math.min(t, OURS_MAX_THREADS)))) pairs.push(['ours', t]);
  }
  if (engines.includes('ort')) for (const t of threadCounts) pairs.push(['ort', t]);
  return pairs;
}

const results = [];
function report(result) {
  result.compilation = compilation;
  results.push(result);
  console.log(JSON.stringify(result));
}

function runNode(engine, threads) {
  return new Promise((done, fail) => {
    const args = [...NODE_FLAGS, join(HERE, 'node-run.mjs'), '--fixture', fixture, '--engine', engine, '--threads', String(threads), '--runs', String(runs)];
    const child = spawn(process.execPath, args, { cwd: HERE, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (data) => (out += data));
    child.on('error', fail);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) done(JSON.parse(line));
      else done({ env: 'node', engine, requested_threads: threads, error: `node-run.mjs exited with ${code}` });
    });
  });
}

async function runFirefox(pairs) {
  const { Firefox } = await import('../e2e/webdriver.mjs');
  const { startBenchServer } = await import('./server.mjs');
  mkdirSync(OUTPUT, { recursive: true });
  const server = await startBenchServer({ fixture });
  let firefox;
  try {
    firefox = await Firefox.start({ prefs: FIREFOX_PREFS });
    for (const [engine, threads] of pairs) {
      await firefox.navigate(`${server.url}bench/page.html?env=firefox&engine=${engine}&threads=${threads}&runs=${runs}`);
      // A full-size generator can take tens of seconds a run on a slow CPU.
      await firefox.waitFor("return ['done', 'failed'].includes(document.body.dataset.state)", 180_000 * (runs + 2));
      const line = await firefox.execute('return document.body.dataset.result');
      const result = JSON.parse(line);
      result.runtime = `Firefox ${firefox.capabilities.browserVersion}`;
      report(result);
    }
  } finally {
    await firefox?.quit();
    await server.stop();
  }
}

const meta = JSON.parse(readFileSync(join(fixture, 'meta.json'), 'utf8'));
console.error(`[bench] ngf ${meta.ngf}, ${meta.n_blocks} blocks, ${meta.width}×${meta.height}; ${runs} run(s) after a warm-up; threads ${threadCounts.join(',')}; ${environments.join(', ')}; wasm ${compilation}`);
for (const env of environments) {
  if (env === 'node') {
    for (const [engine, threads] of plan()) report(await runNode(engine, threads));
  } else {
    await runFirefox(plan());
  }
}
for (const summary of summarize(results)) console.log(JSON.stringify(summary));
