// A static server for the benchmark page, on 127.0.0.1, cross-origin isolated (COOP/COEP, so
// SharedArrayBuffer and wasm threads are available): /bench/ is this folder, / the web app's www/,
// /pkg/ our wasm
// package, /ort/ onnxruntime-web's dist files from node_modules (nothing from a CDN), /fixture/
// the fixture folder. (scripts/serve.py serves the app's own folders; this serves these.)
//
//   node server.mjs --fixture DIR [--port 8090]    # then open http://127.0.0.1:8090/bench/page.html?engine=ort

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT } from '../e2e/fixtures.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Resolves to `{ url, stop() }` once the server listens (port 0: any free port). */
export function startBenchServer({ fixture, port = 0 }) {
  const mounts = {
    '/bench/': HERE,
    '/pkg/': join(ROOT, 'pkg'),
    '/ort/': join(HERE, 'node_modules', 'onnxruntime-web', 'dist'),
    '/fixture/': fixture,
    // Last: the web app's own modules (the translator worker and its CPU helpers) at the root,
    // where they find /pkg/ as they do when the app is served.
    '/': join(ROOT, 'www'),
  };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    const base = prefix && mounts[prefix];
    const file = base && normalize(join(base, path.slice(prefix.length)));
    let size = null;
    try {
      if (file && file.startsWith(base + sep) && statSync(file).isFile()) size = statSync(file).size;
    } catch {
      // missing: 404 below
    }
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cache-Control', 'no-cache');
    if (size === null) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/`,
        stop: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { fixture: { type: 'string' }, port: { type: 'string', default: '8090' } } });
  if (!values.fixture) throw new Error('--fixture DIR is required');
  const { url } = await startBenchServer({ fixture: values.fixture, port: Number(values.port) });
  console.log(`benchmark page at ${url}bench/page.html?engine=ours  (or engine=ort&threads=2; Ctrl-C stops it)`);
}
