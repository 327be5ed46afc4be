// Time per frame of a model in headless Chromium, on the CPU and on WebGPU, through the page's own
// worker pipeline (the round trip a camera frame makes: copy to the worker, translate, pixels back).
// Prints one JSON line per backend and size. Not a test: numbers to compare, nothing asserted.
//
//   node tests/e2e/measure.mjs                      # www/models' default model at its training size
//   node tests/e2e/measure.mjs --models DIR --model NAME --sizes 256x256,512x384 --runs 5 --backends cpu,webgpu
//
// Chromium's WebGPU here is SwiftShader (software Vulkan on the CPU), so its numbers say how the
// page behaves without a GPU driver, not how fast a real GPU is.

import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';
import { startServer } from './server.mjs';

const { values: options } = parseArgs({
  options: {
    models: { type: 'string' },
    model: { type: 'string' },
    sizes: { type: 'string' },
    runs: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'cpu,webgpu' },
  },
});

const server = await startServer({ models: options.models });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  // A blank page on the app's origin: the app's modules can be imported, but the app does not start.
  await page.route('**/measure.html', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>measure</title>' }));
  await page.goto(`${server.url}measure.html`);
  for (const backend of options.backends.split(',')) {
    const results = await page.evaluate(measure, { backend, model: options.model ?? null, sizes: options.sizes ?? null, runs: Number(options.runs) });
    for (const result of results) console.log(JSON.stringify(result));
  }
} finally {
  await browser.close();
  await server.stop();
}

/** Runs in the page. */
async function measure({ backend, model, sizes, runs }) {
  const { chooseModel, downloadModel, loadIndex } = await import('./model-store.js');
  const { TranslatorClient } = await import('./translator-client.js');
  const index = await loadIndex();
  const entry = chooseModel(index, model);
  if (!entry) throw new Error('no model: models/index.json lists none (pass --models DIR)');
  const client = await TranslatorClient.start(backend);
  try {
    const { manifestText, manifest, files } = await downloadModel(entry);
    await client.loadModel(manifestText, files);
    const direction = manifest.a_to_b ? 'a_to_b' : 'b_to_a';
    const shapes = (sizes ?? `${manifest.train_size}x${manifest.train_size}`).split(',').map((s) => s.split('x').map(Number));
    const results = [];
    for (const [width, height] of shapes) {
      const image = new ImageData(width, height);
      for (let i = 0; i < image.data.length; i += 4) {
        const x = (i / 4) % width;
        const y = Math.floor(i / 4 / width);
        image.data.set([(x * 255) / width, (y * 255) / height, ((x ^ y) * 7) & 255, 255], i);
      }
      const time = async () => {
        const started = performance.now();
        await client.translate(image, direction, Math.max(width, height));
        return performance.now() - started;
      };
      const first = await time(); // compiles the GPU kernels for this size
      const times = [];
      for (let i = 0; i < runs; i++) times.push(await time());
      times.sort((a, b) => a - b);
      const round = (ms) => Math.round(ms * 10) / 10;
      results.push({
        model: entry.name,
        ngf: manifest.ngf,
        n_blocks: manifest.n_blocks,
        backend: client.backend,
        size: `${width}x${height}`,
        first_ms: round(first),
        median_ms: round(times[Math.floor(times.length / 2)]),
        min_ms: round(times[0]),
        runs,
      });
    }
    return results;
  } finally {
    client.terminate();
  }
}
