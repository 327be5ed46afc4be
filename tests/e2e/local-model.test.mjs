// Finding a model among files opened from this computer (www/local-model.js): a model's folder, its
// files chosen one by one (what a phone can pick), or a ZIP of its folder, however the ZIP was made
// (with or without a top folder, with macOS's "__MACOSX" copies); and what is said when the files
// are not a model. Opening one in the page is checked in chromium.test.mjs and firefox.test.mjs.
// Run: `node --test local-model.test.mjs`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { holdsModel, readLocalModel } from '../../www/local-model.js';
import { isZip } from '../../www/unzip.js';
import { makePng, makeZip, WEB_MODEL } from './fixtures.mjs';

const MANIFEST = { ...JSON.parse(readFileSync(join(WEB_MODEL, 'manifest.json'), 'utf8')), card: 'MODEL_CARD.md' };
const WEIGHTS = readFileSync(join(WEB_MODEL, 'a_to_b.bpk'));
/** A model's folder's files, as [{ name, bytes }] under `top` ("" for none). */
const modelFiles = (top = 'mine/', manifest = MANIFEST) => [
  { name: `${top}manifest.json`, bytes: Buffer.from(JSON.stringify(manifest)) },
  { name: `${top}a_to_b.bpk`, bytes: WEIGHTS },
  { name: `${top}MODEL_CARD.md`, bytes: Buffer.from('# mine\n\n![samples](./pictures/samples.png)\n') },
  { name: `${top}pictures/samples.png`, bytes: makePng(20, 10) },
];
const zipFile = (name, files, options) => new File([makeZip(files, options)], name, { type: 'application/zip' });
/** A picked file: the folder picker gives each its path in the folder (and a picture its type). */
const picked = (name, bytes, path = '') => Object.defineProperty(new File([bytes], name, { type: name.endsWith('.png') ? 'image/png' : '' }), 'webkitRelativePath', { value: path });

/** What a person sees of an opened model, and that its weights are the model's. */
async function opened(files) {
  const entry = await readLocalModel(files);
  const { local } = entry;
  assert.ok(Buffer.from(await local.weights.a_to_b.arrayBuffer()).equals(WEIGHTS), 'the weights, byte for byte');
  const picture = local.fileAt('./pictures/samples.png');
  return {
    name: entry.name,
    directions: entry.directions,
    folder: local.folder,
    card: (await local.card.text()).split('\n')[0],
    picture: picture && [picture.name, picture.type, picture.size],
  };
}

const expected = (folder) => ({ name: 'tiny', directions: ['a_to_b'], folder, card: '# mine', picture: ['samples.png', 'image/png', makePng(20, 10).length] });

async function refused(files, message) {
  await assert.rejects(readLocalModel(files), (error) => {
    assert.equal(error.name, 'FriendlyError');
    assert.match(error.message, message);
    return true;
  });
}

describe('local-model.js', () => {
  it('opens a model from its folder (the picker gives each file its path)', async () => {
    const files = modelFiles().map(({ name, bytes }) => picked(name.split('/').at(-1), bytes, name));
    assert.deepEqual(await opened(files), expected('mine'));
  });

  it('opens a model from a ZIP of its folder, made with or without a top folder, by any zip tool', async () => {
    assert.deepEqual(await opened([zipFile('mine.zip', modelFiles())]), expected('mine.zip'), 'deflated, with the folder at its top');
    assert.deepEqual(await opened([zipFile('export (1).zip', modelFiles(''), { compression: 'stored' })]), expected('export (1).zip'), 'stored, the files at its top');
    const finder = [...modelFiles(), { name: '__MACOSX/mine/._manifest.json', bytes: Buffer.from('resource fork') }, { name: '__MACOSX/mine/._a_to_b.bpk', bytes: Buffer.from('x') }];
    assert.deepEqual(await opened([zipFile('mine.zip', finder, { streamed: true })]), expected('mine.zip'), 'macOS Finder\'s __MACOSX copies are left out');
    // A ZIP from the model's parent: the model is in a folder inside.
    const nested = modelFiles('models/mine/').concat([{ name: 'models/README.txt', bytes: Buffer.from('notes') }]);
    assert.deepEqual(await opened([zipFile('models.zip', nested)]), expected('models.zip'));
  });

  it('opens a model from its files chosen one by one, which is what a phone can pick', async () => {
    const [manifest, weights, card] = modelFiles('');
    const files = [manifest, weights, card].map(({ name, bytes }) => new File([bytes], name));
    const entry = await readLocalModel(files);
    assert.deepEqual([entry.name, entry.directions, entry.local.folder], ['tiny', ['a_to_b'], '']);
    assert.equal(entry.local.fileAt('./pictures/samples.png'), null, 'a picture not chosen is not there');
    await refused([files[0]], /^The chosen files lack “a_to_b\.bpk”, which its manifest\.json lists: choose it too, or the whole folder\.$/);
    await refused([files[1]], /^The chosen files have no manifest\.json, so it is not a model\. Choose the folder .*, or a ZIP of it\.$/);
  });

  it('says why a ZIP is not a model it can open', async () => {
    await refused([zipFile('notes.zip', [{ name: 'notes.txt', bytes: Buffer.from('hello') }])],
      /^“notes\.zip” has no manifest\.json, so it is not a model\. Choose the folder the trainer’s “export” or “import” wrote \(for example www\/models\/horse2zebra\), or a ZIP of it\.$/);
    await refused([zipFile('holiday.zip', [{ name: 'beach.png', bytes: makePng(4, 4) }])],
      /^“holiday\.zip” holds pictures, not a model: to translate them, drop it on the page under “Photos”\.$/);
    const two = [...modelFiles('models/one/'), ...modelFiles('models/two/')];
    await refused([zipFile('models.zip', two)], /^“models\.zip” holds several models \(“one”, “two”\): zip the folder of one of them on its own\.$/);
    await refused([zipFile('a.zip', modelFiles()), zipFile('b.zip', modelFiles())], /^Choose one model’s ZIP file at a time \(“a\.zip”, “b\.zip”\)\.$/);
    const files = modelFiles();
    files[1] = { name: files[1].name, bytes: WEIGHTS.subarray(0, 1000) };
    await refused([zipFile('cut.zip', files)], /^“a_to_b\.bpk” in “cut\.zip” is 1,000 bytes, but its manifest\.json says 207,372: the files do not belong together\./);
    await refused([new File([makePng(4, 4)], 'renamed.zip')], /^“renamed\.zip” is damaged or not a ZIP file/);
  });

  it('tells a model\'s files and ZIPs from photos, to open them as a model when they are dropped or chosen among photos', () => {
    const file = (name, type = '') => new File(['x'], name, { type });
    assert.equal(holdsModel([file('a.png', 'image/png'), file('b.jpg', 'image/jpeg')]), false);
    assert.equal(holdsModel([file('manifest.json', 'application/json')]), true);
    assert.equal(holdsModel([file('a_to_b.bpk')]), true);
    assert.deepEqual([file('mine.ZIP'), file('download', 'application/x-zip-compressed'), file('a.png', 'image/png')].map(isZip), [true, true, false],
      'a ZIP by its name, or by its type (Windows\' for a ZIP)');
  });
});
