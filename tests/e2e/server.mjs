// Starts the app's own static server (scripts/serve.py) on a free port, optionally with another
// models folder at /models/, and stops it again.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fixtures.mjs';

/** Fails early, with the fix, when the wasm package has not been built. */
export function requirePkg() {
  if (!existsSync(join(ROOT, 'pkg', 'unpaired_bg.wasm'))) {
    throw new Error('pkg/ is missing: build the wasm package first with `bash scripts/build-web.sh`');
  }
}

/** Resolves to `{ url, stop() }` once the server listens. */
export function startServer({ models } = {}) {
  requirePkg();
  const args = [join(ROOT, 'scripts', 'serve.py'), '--port', '0'];
  if (models) args.push('--models', models);
  const child = spawn('python3', args, { env: { ...process.env, UNPAIRED_QUIET: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.py did not start: ${out}`)), 15_000);
    child.on('exit', (code) => reject(new Error(`serve.py exited with ${code}: ${out}`)));
    child.stdout.on('data', (data) => {
      out += data;
      const match = /(http:\/\/[\d.]+:\d+\/)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(); // stopped already
            child.removeAllListeners('exit');
            child.on('exit', () => done());
            child.kill();
          }),
        });
      }
    });
  });
}
