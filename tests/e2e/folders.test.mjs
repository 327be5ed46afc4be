// Folders of photos (www/folders.js): dropped folders walked at every level through the File and
// Directory Entries API (here stand-ins with the same callbacks, handing entries out in small
// batches as Chromium's reader does), the folder picker's files, and which files count as
// pictures. The picker and the page's messages are checked in chromium.test.mjs.
// Run: `node --test folders.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isPicture, picturesFromPicker, picturesInEntries } from '../../www/folders.js';

const file = (name, type = '') => new File(['x'], name, { type });

/** A stand-in FileSystemFileEntry; `broken` makes reading it fail. */
const fileEntry = (name, type = '', broken = false) => ({
  name, isFile: true, isDirectory: false,
  file: (resolve, reject) => setTimeout(() => (broken ? reject(new Error('NotReadableError')) : resolve(file(name, type)))),
});

/** A stand-in FileSystemDirectoryEntry whose reader hands out `batch` entries per call. */
const folderEntry = (name, children, { batch = 2, broken = false } = {}) => ({
  name, isFile: false, isDirectory: true,
  createReader: () => {
    let next = 0;
    return {
      readEntries: (resolve, reject) => setTimeout(() => {
        if (broken) return reject(new Error('NotFoundError'));
        resolve(children.slice(next, next + batch));
        next += batch;
      }),
    };
  },
});

describe('folders.js', () => {
  it('walks a dropped folder at every level, in name order with numbers compared as numbers', async () => {
    const holidays = folderEntry('holidays', [
      fileEntry('img10.jpg', 'image/jpeg'),
      fileEntry('notes.txt', 'text/plain'),
      folderEntry('beach', [fileEntry('b.png', 'image/png'), fileEntry('a.webp', 'image/webp'), fileEntry('clip.mp4', 'video/mp4')]),
      fileEntry('img2.jpg', 'image/jpeg'),
      fileEntry('._img2.jpg', 'image/jpeg'), // macOS's AppleDouble copy: not a picture
      fileEntry('raw.heic'), // no type from the browser: known by its extension
      fileEntry('locked.png', 'image/png', true),
      folderEntry('private', [fileEntry('x.png', 'image/png')], { broken: true }),
    ]);
    const found = await picturesInEntries([holidays, file('loose.png', 'image/png')]);
    assert.deepEqual(found.files.map((f) => f.name), ['a.webp', 'b.png', 'img2.jpg', 'img10.jpg', 'raw.heic', 'loose.png']);
    assert.equal(found.skipped, 5, 'notes, the video, the hidden copy, and the two that could not be read');
    assert.deepEqual(found.folders, ['holidays']);
  });

  it('reads a folder of more entries than one batch', async () => {
    const many = Array.from({ length: 250 }, (_, i) => fileEntry(`p${i}.png`, 'image/png'));
    const found = await picturesInEntries([folderEntry('many', many, { batch: 100 })]);
    assert.equal(found.files.length, 250);
    assert.equal(found.files[249].name, 'p249.png');
  });

  it('takes the folder picker\'s files in path order and names the folder', () => {
    const picked = [['trip/z.jpg', 'image/jpeg'], ['trip/day 2/a.jpg', 'image/jpeg'], ['trip/.DS_Store', ''], ['trip/a.jpg', 'image/jpeg']]
      .map(([path, type]) => Object.defineProperty(file(path.split('/').at(-1), type), 'webkitRelativePath', { value: path }));
    const found = picturesFromPicker(picked);
    assert.deepEqual(found.files.map((f) => f.webkitRelativePath), ['trip/a.jpg', 'trip/day 2/a.jpg', 'trip/z.jpg']);
    assert.equal(found.skipped, 1);
    assert.deepEqual(found.folders, ['trip']);
  });

  it('tells pictures by their type, else by their extension', () => {
    assert.equal(isPicture(file('a.bin', 'image/png')), true);
    assert.equal(isPicture(file('a.png', 'application/octet-stream')), false, 'the type wins when there is one');
    assert.equal(isPicture(file('A.JPEG')), true);
    assert.equal(isPicture(file('a.pdf')), false);
    assert.equal(isPicture(file('.hidden.png', 'image/png')), false);
  });
});
