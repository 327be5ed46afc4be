// Where one thread's time goes: our translator's CPU engine stage by stage (one part of a
// "split" into one), in Node. Prints one JSON line per repetition with each stage's ms.
//
//   node --no-liftoff stages.mjs --fixture DIR [--reps 3]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFixture } from './bench-core.mjs';
import { ROOT } from '../e2e/fixtures.mjs';

const { values: options } = parseArgs({ options: { fixture: { type: 'string' }, reps: { type: 'string', default: '3' } } });
if (!options.fixture) throw new Error('--fixture DIR is required');
const fixture = await loadFixture(async (path) => readFileSync(join(options.fixture, path)));
const unpaired = await import(join(ROOT, 'pkg', 'unpaired.js'));
unpaired.initSync({ module: readFileSync(join(ROOT, 'pkg', 'unpaired_bg.wasm')) });
const translator = await unpaired.Translator.create('cpu');
translator.loadModel(fixture.manifest, fixture.weights);
const { width, height, direction } = fixture.meta;
for (let rep = 0; rep < Number(options.reps); rep++) {
  const job = translator.splitValues(fixture.input, width, height, direction, 1);
  const stages = [];
  for (let stage = 0; stage < job.stages; stage++) {
    const started = performance.now();
    job.runStage(stage);
    job.completeStage(stage, new Float32Array(0));
    stages.push(Math.round((performance.now() - started) * 10) / 10);
  }
  job.free();
  const total = Math.round(stages.reduce((a, b) => a + b, 0));
  console.log(JSON.stringify({ rep, stages_ms: stages, total_ms: total }));
}
