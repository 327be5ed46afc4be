// The stage loop that shares a CPU translation among workers (www/cpu-split.js), without
// WebAssembly: parts in worker_threads over one SharedArrayBuffer exchange every stage's shares
// in step, and a part that fails makes the others stop with an error instead of waiting forever.
// Run: `node --test cpu-split.test.mjs` here.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ROOT } from './fixtures.mjs';
import { fakeJob, VALUES } from './split-fake-job.mjs';

const { runParts, cpuThreads, singleThreadReason } = await import(join(ROOT, 'www', 'cpu-split.js'));

function shared() {
  return {
    values: new Float32Array(new SharedArrayBuffer(VALUES * 4)),
    control: new Int32Array(new SharedArrayBuffer(8)),
  };
}

/** Parts 1…count-1 in worker_threads; resolves to their reports. */
function helpers({ count, stages, values, control, failAt = {} }) {
  return Promise.all(Array.from({ length: count - 1 }, (_, i) => new Promise((resolve, reject) => {
    const part = i + 1;
    const worker = new Worker(new URL('./split-part.mjs', import.meta.url), {
      workerData: { part, count, stages, values, control, failAt: failAt[part] ?? null },
    });
    worker.once('message', (report) => {
      worker.terminate();
      resolve(report);
    });
    worker.once('error', reject);
  })));
}

describe('a CPU translation split across workers', () => {
  it('exchanges every stage\'s shares among all parts, in step', async () => {
    for (const count of [2, 3, 4]) {
      const { values, control } = shared();
      const stages = 5;
      const others = helpers({ count, stages, values, control });
      const job = fakeJob({ part: 0, count, stages });
      runParts(job, { values, control }, count);
      const reports = [{ ok: true, received: job.received }, ...(await others)];
      const expected = Array.from({ length: stages }, (_, stage) => Array.from({ length: count }, (_, p) => stage * 10 + p));
      for (const [part, report] of reports.entries()) {
        assert.equal(report.ok, true, `part ${part}: ${report.message}`);
        assert.deepEqual(report.received, expected, `${count} parts: part ${part} saw every share of every stage`);
      }
    }
  });

  it('stops every part with an error when one fails, instead of waiting for it', { timeout: 20_000 }, async () => {
    const { values, control } = shared();
    const count = 3;
    const others = helpers({ count, stages: 6, values, control, failAt: { 2: 3 } });
    const job = fakeJob({ part: 0, count, stages: 6 });
    const started = performance.now();
    assert.throws(() => runParts(job, { values, control }, count), { name: 'SplitFailed', message: 'another CPU worker failed' });
    assert.ok(performance.now() - started < 5_000, 'noticed at once, not after the stall timeout');
    const [one, two] = await others;
    assert.deepEqual([one.ok, one.name], [false, 'SplitFailed']);
    assert.deepEqual([two.ok, two.message], [false, 'part 2 failed at stage 3']);
    assert.equal(job.received.length, 3, 'stages before the failure completed');
  });

  it('uses one thread per core when the page is cross-origin isolated, else one, and says why', () => {
    const page = (isolated, cores) => ({ crossOriginIsolated: isolated, navigator: { hardwareConcurrency: cores } });
    assert.equal(cpuThreads(null, page(true, 4)), 4);
    assert.equal(cpuThreads(null, page(true, 32)), 4, 'at most 4 unless asked');
    assert.equal(cpuThreads(6, page(true, 2)), 6, 'more when asked (benchmarks)');
    assert.equal(cpuThreads(99, page(true, 2)), 8, 'never more than 8');
    assert.equal(cpuThreads(2, page(true, 4)), 2, 'a requested count');
    assert.equal(cpuThreads(null, page(false, 4)), 1);
    assert.equal(singleThreadReason(page(true, 4)), null);
    assert.match(singleThreadReason(page(false, 4)), /not cross-origin isolated/);
    assert.match(singleThreadReason(page(true, 1)), /one processor core/);
  });
});
