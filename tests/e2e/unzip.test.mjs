// Reading ZIP files (www/unzip.js), as a model's folder arrives zipped: ZIPs written by Python's
// zipfile (stored, deflated, streamed with data descriptors, ZIP64) and by the page's own
// "Download all" read back byte for byte; names as Windows, macOS and Info-ZIP write them;
// damaged, encrypted, oddly compressed and oversized ones refused with a sentence.
// Run: `node --test unzip.test.mjs`.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { unzip, zipEntries } from '../../www/unzip.js';
import { crc32, zipBlob } from '../../www/zip.js';
import { makePng, makeZip } from './fixtures.mjs';

const FILES = [
  { name: 'model/', bytes: Buffer.alloc(0) },
  { name: 'model/manifest.json', bytes: Buffer.from('{"name": "tiny"}') },
  { name: 'model/a_to_b.bpk', bytes: Buffer.concat([randomBytes(50_000), Buffer.alloc(50_000, 3)]) },
  { name: 'model/pictures/zèbre.png', bytes: makePng(20, 10) },
  { name: 'model/empty.txt', bytes: Buffer.alloc(0) },
];
const WRITTEN = FILES.filter(({ name }) => !name.endsWith('/'));

/** What `unzip` gives for `zip`: each file's path, name, type and bytes. */
async function read(zip, name = 'model.zip', limit = undefined) {
  const files = await unzip(new Blob([zip]), name, limit);
  return Promise.all(files.map(async ({ path, file }) => ({ path, name: file.name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()) })));
}

/** `promise` fails with a FriendlyError whose sentence matches `message`. */
async function refused(promise, message) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, 'FriendlyError');
    assert.match(error.message, message);
    return true;
  });
}

/** The offset of the first central directory header of `zip`. */
const centralAt = (zip) => zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));

describe('unzip.js', () => {
  for (const [label, options] of [
    ['stored', { compression: 'stored' }],
    ['deflated', { compression: 'deflated' }],
    ['streamed (sizes in data descriptors)', { streamed: true }],
    ['ZIP64 (sizes, offsets and the directory\'s end in 64-bit records)', { zip64: true }],
  ]) {
    it(`reads every file of a ZIP that Python wrote ${label}, with its path, name and type; folders' own entries are left out`, async () => {
      const zip = makeZip(FILES, options);
      if (options.zip64) assert.ok(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'the ZIP has a ZIP64 end of directory');
      const files = await read(zip);
      assert.deepEqual(files.map(({ path }) => path), WRITTEN.map(({ name }) => name), 'UTF-8 paths, in order');
      for (const [i, file] of files.entries()) assert.ok(file.bytes.equals(WRITTEN[i].bytes), `${file.path}: the same bytes`);
      assert.deepEqual(files.map(({ name, type }) => [name, type]),
        [['manifest.json', 'application/json'], ['a_to_b.bpk', ''], ['zèbre.png', 'image/png'], ['empty.txt', '']]);
    });
  }

  it('leaves out the "__MACOSX" copies macOS\'s Finder adds', async () => {
    const zip = makeZip([...FILES, { name: '__MACOSX/model/._manifest.json', bytes: Buffer.from('resource fork') }]);
    assert.deepEqual((await read(zip)).map(({ path }) => path), WRITTEN.map(({ name }) => name));
  });

  it('reads names the way Windows, macOS and Info-ZIP write them without the UTF-8 flag', async () => {
    const png = makePng(8, 8);
    const windowsName = Buffer.from([0x43, 0x61, 0x66, 0x82, 0x20, 0x9b, 0x31, 0x2e, 0x70, 0x6e, 0x67]); // "Café ¢1.png" in code page 437
    const infoZipName = Buffer.from('Z?bre.png', 'latin1'); // the system's code page had no "è"
    const unicodePath = (name, forBytes) => {
      const utf8 = Buffer.from(name, 'utf8');
      const field = Buffer.alloc(9 + utf8.length);
      field.writeUInt16LE(0x7075, 0);
      field.writeUInt16LE(5 + utf8.length, 2);
      field.writeUInt8(1, 4);
      field.writeUInt32LE(crc32(forBytes), 5);
      utf8.copy(field, 9);
      return field;
    };
    const zip = makeZip([
      { name: 'w', nameBytes: windowsName, bytes: png },
      { name: 'm', nameBytes: Buffer.from('Zèbre été.png', 'utf8'), bytes: png }, // macOS's Archive Utility
      { name: 'i', nameBytes: infoZipName, extra: unicodePath('Zèbre.png', infoZipName), bytes: png },
      { name: 's', nameBytes: Buffer.from('stale.png'), extra: unicodePath('renamed.png', Buffer.from('other.png')), bytes: png },
      { name: 'flagged/ünï.png', bytes: png },
    ]);
    const expected = ['Café ¢1.png', 'Zèbre été.png', 'Zèbre.png', 'stale.png', 'flagged/ünï.png'];
    assert.deepEqual((await read(zip)).map(({ path }) => path), expected, 'unzip');
    assert.deepEqual((await zipEntries(new Blob([zip]), 'photos.zip')).map(({ path }) => path), expected, 'zipEntries');
  });

  it('reads back what the page\'s "Download all" writes', async () => {
    const files = [{ name: 'a.png', blob: new Blob([makePng(8, 8)]) }, { name: 'b.bin', blob: new Blob([randomBytes(1000)]) }];
    const read_ = await read(Buffer.from(await (await zipBlob(files)).arrayBuffer()), 'translations.zip');
    assert.deepEqual(read_.map(({ path }) => path), ['a.png', 'b.bin']);
    for (const [i, { bytes }] of read_.entries()) assert.ok(bytes.equals(Buffer.from(await files[i].blob.arrayBuffer())));
  });

  it('refuses a file that is not a ZIP, or is cut short, saying so', async () => {
    await refused(read(makePng(20, 10), 'photo.zip'), /^“photo\.zip” is damaged or not a ZIP file: it cannot be opened\. Zip the folder again\.$/);
    await refused(read(Buffer.alloc(0), 'empty.zip'), /^“empty\.zip” is damaged or not a ZIP file/);
    const zip = makeZip(FILES);
    await refused(read(zip.subarray(0, zip.length >> 1)), /^“model\.zip” is damaged or not a ZIP file/);
    await refused(read(zip.subarray(zip.length >> 1)), /^“model\.zip” is damaged or not a ZIP file/, 'its start cut off');
  });

  it('refuses a ZIP whose directory gives lengths past its end', async () => {
    const zip = Buffer.from(makeZip(FILES));
    zip.writeUInt16LE(0xffff, centralAt(zip) + 30); // the first entry's extra field: 65,535 bytes
    await refused(read(zip), /^“model\.zip” is damaged or not a ZIP file/);
  });

  it('refuses a file whose bytes changed (its CRC-32 or its deflate stream no longer fits)', async () => {
    for (const compression of ['stored', 'deflated']) {
      const zip = Buffer.from(makeZip(FILES, { compression }));
      zip[zip.indexOf(Buffer.from('a_to_b.bpk')) + 'a_to_b.bpk'.length + 2000] ^= 0x55;
      await refused(read(zip), /^“model\.zip” is damaged or not a ZIP file/, compression);
    }
  });

  it('does not inflate a file past the size its ZIP declares', async () => {
    const zip = Buffer.from(makeZip([{ name: 'big.bin', bytes: Buffer.alloc(100_000) }]));
    zip.writeUInt32LE(1000, centralAt(zip) + 24); // the central directory says 1,000 bytes
    await assert.rejects(read(zip), (error) => /inflates past the 1000 bytes/.test(error.details));
  });

  it('refuses ZIPs it cannot read: encrypted, compressed another way, or unpacking to more than the limit', async () => {
    const encrypted = Buffer.from(makeZip(FILES));
    for (let at = centralAt(encrypted); at >= 0; at = encrypted.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
      encrypted.writeUInt16LE(encrypted.readUInt16LE(at + 8) | 1, at + 8);
    }
    await refused(read(encrypted), /^“model\.zip” is encrypted \(protected by a password\): zip the folder again without one\.$/);
    await refused(read(makeZip(FILES, { compression: 'bzip2' })), /^“model\.zip” is compressed in a way this page cannot read \(method 12\): zip the folder again with the usual settings/);
    await refused(read(makeZip([{ name: 'big.bin', bytes: Buffer.alloc(3_000_000) }]), 'big.zip', 2e6), /^“big\.zip” unpacks to 3.0 MB, more than the 2.0 MB this page opens from a ZIP file: unzip it and open its folder\.$/);
  });

  describe('zipEntries: a ZIP of photos, each read when its turn comes', () => {
    const PHOTOS = [
      { name: 'holiday/', bytes: Buffer.alloc(0) },
      { name: 'holiday/a.jpg', bytes: randomBytes(100_000) },
      { name: 'holiday/b.jpg', bytes: randomBytes(100_000) },
      { name: 'holiday/c.png', bytes: makePng(20, 10) },
    ];
    /** A stand-in for the dropped File that counts the bytes read from it. */
    const counted = (zip) => {
      const blob = new Blob([zip]);
      const tally = { read: 0 };
      const slice = (start = 0, end = blob.size) => {
        const part = blob.slice(start, end);
        tally.read += part.size;
        return part;
      };
      return { tally, file: { size: blob.size, slice } };
    };

    it('lists the files without reading them; each one opened is read then, with its bytes, name and type', async () => {
      const zip = makeZip(PHOTOS);
      const { tally, file } = counted(zip);
      const entries = await zipEntries(file, 'holiday.zip');
      assert.deepEqual(entries.map(({ path, name, type, size }) => [path, name, type, size]),
        [['holiday/a.jpg', 'a.jpg', 'image/jpeg', 100_000], ['holiday/b.jpg', 'b.jpg', 'image/jpeg', 100_000], ['holiday/c.png', 'c.png', 'image/png', PHOTOS[3].bytes.length]]);
      // Its last 64 kB, where the directory's end is looked for, and the directory.
      assert.ok(tally.read < 70_000, `none of the files was read (${tally.read} of ${zip.length} bytes)`);
      const opened = await entries[1].open();
      assert.ok(opened instanceof File);
      assert.deepEqual([opened.name, opened.type], ['b.jpg', 'image/jpeg']);
      assert.ok(Buffer.from(await opened.arrayBuffer()).equals(PHOTOS[2].bytes), 'the same bytes');
      assert.ok(tally.read < 70_000 + 100_100, `then that file only (${tally.read} of ${zip.length} bytes)`);
    });

    it('fails one damaged, encrypted or too large file alone, with a sentence that names it; the others open', async () => {
      for (const compression of ['stored', 'deflated']) {
        const zip = Buffer.from(makeZip(PHOTOS, { compression }));
        zip[zip.indexOf(Buffer.from('holiday/b.jpg')) + 'holiday/b.jpg'.length + 2000] ^= 0x55;
        const entries = await zipEntries(new Blob([zip]), 'holiday.zip');
        await refused(entries[1].open(), /^“b\.jpg” in “holiday\.zip” is damaged: it cannot be read from the ZIP file\.$/);
        for (const k of [0, 2]) assert.ok(Buffer.from(await (await entries[k].open()).arrayBuffer()).equals(PHOTOS[k + 1].bytes), `${compression}: ${entries[k].name} opens`);
      }
      const encrypted = Buffer.from(makeZip(PHOTOS));
      // b.jpg's directory entry: the one after a.jpg's.
      const at = encrypted.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), encrypted.indexOf(Buffer.from('holiday/a.jpg'), centralAt(encrypted)));
      encrypted.writeUInt16LE(encrypted.readUInt16LE(at + 8) | 1, at + 8);
      const entries = await zipEntries(new Blob([encrypted]), 'holiday.zip');
      await refused(entries[1].open(), /^“b\.jpg” in “holiday\.zip” is encrypted \(protected by a password\): zip it again without one\.$/);
      await entries[0].open();
      await refused(entries[0].open(50_000), /^“a\.jpg” in “holiday\.zip” unpacks to 100 kB, more than the 50 kB this page opens from a ZIP file: unzip it first\.$/);
      await refused(zipEntries(new Blob([makePng(20, 10)]), 'photo.zip'), /^“photo\.zip” is damaged or not a ZIP file/);
    });

    it('says so when the ZIP was moved, changed or deleted since it was chosen (the browser can no longer read it)', async () => {
      const blob = new Blob([makeZip(PHOTOS)]);
      let gone = false;
      const unreadable = { size: 1, arrayBuffer: () => Promise.reject(new DOMException('The requested file could not be read', 'NotReadableError')) };
      const file = { size: blob.size, slice: (start, end) => (gone ? unreadable : blob.slice(start, end)) };
      const entries = await zipEntries(file, 'holiday.zip');
      gone = true;
      await refused(entries[0].open(), /^“a\.jpg” in “holiday\.zip” can no longer be read: the ZIP file was moved, changed or deleted after it was chosen\. Choose it again\.$/);
    });
  });
});
