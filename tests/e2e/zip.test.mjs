// The ZIP "Download all" hands over (www/zip.js), read back by Python's zipfile: every CRC, name,
// date and byte; names made unique; the limits of a plain ZIP refused with a sentence. The page's
// button is checked in chromium.test.mjs. Run: `node --test zip.test.mjs`.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { crc32, dosDateTime, uniqueNames, zipBlob } from '../../www/zip.js';
import { makePng, OUTPUT, readZip } from './fixtures.mjs';

async function written(blob, name) {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, name);
  writeFileSync(path, Buffer.from(await blob.arrayBuffer()));
  return path;
}

/** A stand-in for a Blob of `size` bytes that no test could hold: its bytes are never asked for. */
const hugeBlob = (size) => ({ size, arrayBuffer: async () => new ArrayBuffer(0) });

describe('zip.js', () => {
  it('CRC-32 is the standard one (the check value of "123456789")', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  it('stores every file whole, in order, with its name and date, as another implementation reads it', async () => {
    const files = [
      { name: 'horse-horse2zebra-a_to_b.png', bytes: makePng(30, 20) },
      { name: 'zèbre — été.png', bytes: randomBytes(70_001) },
      { name: 'empty.txt', bytes: Buffer.alloc(0) },
    ];
    const date = new Date(2026, 10, 25, 14, 3, 59); // local time, as ZIP dates are
    const zip = await zipBlob(files.map(({ name, bytes }) => ({ name, blob: new Blob([bytes]) })), date);
    assert.equal(zip.type, 'application/zip');
    const { bad, entries } = readZip(await written(zip, 'zip-test.zip'));
    assert.equal(bad, null, 'every CRC checks out');
    assert.deepEqual(entries.map((entry) => entry.name), files.map((file) => file.name), 'UTF-8 names, in order');
    for (const [i, entry] of entries.entries()) {
      assert.ok(entry.bytes.equals(files[i].bytes), `${entry.name}: the same bytes`);
      assert.equal(entry.compress_type, 0, 'stored: PNGs are compressed already');
      assert.deepEqual(entry.date_time, [2026, 11, 25, 14, 3, 58], 'the date, to the 2 seconds ZIP keeps');
    }
  });

  it('an empty list makes a valid empty ZIP', async () => {
    const { bad, entries } = readZip(await written(await zipBlob([]), 'zip-empty.zip'));
    assert.deepEqual([bad, entries], [null, []]);
  });

  it('dates before 1980 or after 2107 are clamped to what ZIP can record', () => {
    assert.equal(dosDateTime(new Date(1970, 0, 1)).date >> 9, 0);
    assert.equal(dosDateTime(new Date(2200, 0, 1)).date >> 9, 127);
  });

  it('makes names unique the way a file manager does, ignoring case', () => {
    assert.deepEqual(uniqueNames(['a.png', 'A.png', 'a.png', 'b', 'b', 'a (2).png', '.hidden', '.hidden']),
      ['a.png', 'A (2).png', 'a (3).png', 'b', 'b (2)', 'a (2) (2).png', '.hidden', '.hidden (2)']);
  });

  it('refuses more than a plain ZIP can hold, with a sentence that says what to do', async () => {
    await assert.rejects(zipBlob([{ name: 'a.png', blob: hugeBlob(2 ** 31) }, { name: 'b.png', blob: hugeBlob(2 ** 31) }]),
      (error) => error.kind === 'zip-too-large' && /more than 4 GB.*Download them one by one/.test(error.message));
    const many = Array.from({ length: 65_536 }, (_, i) => ({ name: `${i}.png`, blob: hugeBlob(1) }));
    await assert.rejects(zipBlob(many), (error) => error.kind === 'zip-too-large' && /^65,536 files are more than one ZIP file can hold/.test(error.message));
  });
});
