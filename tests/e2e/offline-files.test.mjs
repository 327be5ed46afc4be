// The service worker's list of the app's files (www/sw.js `APP_FILES`) against what www/ holds:
// a module added to the app but not to the list would be missing offline. The offline visit itself
// is checked in chromium.test.mjs. Run: `node --test offline-files.test.mjs`.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

import { ROOT } from './fixtures.mjs';

it('the service worker keeps every file the page is made of', () => {
  const source = readFileSync(join(ROOT, 'www', 'sw.js'), 'utf8');
  const list = /const APP_FILES = \[([\s\S]*?)\];/.exec(source);
  assert.ok(list, 'sw.js declares APP_FILES');
  const kept = new Set([...list[1].matchAll(/'([^']+)'/g)].map((match) => match[1]));
  const page = [
    ...readdirSync(join(ROOT, 'www')).filter((name) => /\.(js|css|html|webmanifest)$/.test(name) && name !== 'sw.js'),
    ...readdirSync(join(ROOT, 'www', 'icons')).map((name) => `icons/${name}`),
  ];
  const missing = page.filter((name) => !kept.has(name));
  assert.deepEqual(missing, [], 'files of www/ the offline copy would lack');
  for (const needed of ['./', 'pkg/unpaired.js', 'pkg/unpaired_bg.wasm', 'models/index.json']) {
    assert.ok(kept.has(needed), needed);
  }
  const gone = [...kept].filter((name) => !/^(pkg|models)\//.test(name) && name !== './' && !page.includes(name));
  assert.deepEqual(gone, [], 'listed files that www/ no longer has (installing would fetch nothing for them)');
});
