// The memory of the page's tab while a person translates many large photos in a row: the resident
// memory of Chromium's renderer processes (the page and its workers), of its browser process, and
// the page's JavaScript heap, after each checkpoint's photos and a garbage collection. Prints one JSON line per
// checkpoint. Not a test: numbers to compare (Linux, it reads `ps`), nothing asserted.
//
//   node tests/e2e/measure-memory.mjs                            # the test fixture model, 2048×1536 photos
//   node tests/e2e/measure-memory.mjs --photos 1,20,40 --size 2048x1536 --backend cpu

import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { launchChromium, waitForEngine } from './chromium.mjs';
import { makePng, OUTPUT, prepareModels } from './fixtures.mjs';
import { startServer } from './server.mjs';
import { join } from 'node:path';

const { values: options } = parseArgs({
  options: {
    photos: { type: 'string', default: '1,20' },
    size: { type: 'string', default: '2048x1536' },
    backend: { type: 'string', default: 'cpu' },
  },
});
const checkpoints = options.photos.split(',').map(Number);
const [width, height] = options.size.split('x').map(Number);

/** Resident memory of Chromium's processes whose arguments match `pattern` (an awk regex), in MiB. */
const residentMiB = (pattern) => Math.round(Number(execSync(
  `ps -eo rss,args | awk '$2 ~ /chromium/ && ${pattern} {s+=$1} END {print s+0}'`).toString()) / 1024);
const rendererMiB = () => residentMiB('/--type=renderer/');
/** The browser process itself (where Chromium keeps Blobs), without its helpers. */
const browserMiB = () => residentMiB('!/--type=/');

// A photo that does not compress to nothing: its translation's PNG is as large as a real one's.
const png = makePng(width, height, (x, y) => [(x * 7 + y * 3) % 256, (x * y) % 256, (x ^ y) % 256]);
const server = await startServer({ models: prepareModels(join(OUTPUT, 'measure-memory-models')) });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}?backend=${options.backend}&maxSide=${Math.max(width, height)}`);
  await waitForEngine(page);
  const cdp = await page.context().newCDPSession(page);
  console.log(JSON.stringify({ photos: 0, size: options.size, renderer_mib: rendererMiB(), browser_mib: browserMiB() }));
  let done = 0;
  for (const checkpoint of checkpoints) {
    const started = Date.now();
    for (; done < checkpoint; done++) {
      await page.setInputFiles('#file', { name: `photo-${done}.png`, mimeType: 'image/png', buffer: png });
      await page.waitForFunction((n) => document.body.dataset.translations === String(n), done + 1, { timeout: 300_000 });
    }
    await page.waitForTimeout(2000); // PNG encodings of the list finish
    await cdp.send('HeapProfiler.collectGarbage');
    await page.waitForTimeout(1000);
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    console.log(JSON.stringify({
      photos: done, size: options.size, renderer_mib: rendererMiB(), browser_mib: browserMiB(), js_heap_mib: heap && Math.round(heap / 2 ** 20), seconds: (Date.now() - started) / 1000,
    }));
  }
} finally {
  await browser.close();
  await server.stop();
}
