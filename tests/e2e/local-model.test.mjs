// Finding a model among files opened from this computer (www/local-model.js): a model's folder, its
// files chosen one by one (what a phone can pick), or a ZIP of its folder, however the ZIP was made
// (with or without a top folder, with macOS's "__MACOSX" copies); and what is said when the files
// are not a model; and PyTorch generators among them (which ones, the model's name and domains).
// Opening one in the page is checked in chromium.test.mjs and firefox.test.mjs.
// Run: `node --test local-model.test.mjs`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { holdsModel, readLocalModel } from '../../www/local-model.js';
import { isZip } from '../../www/unzip.js';
import { makePng, makeZip, ROOT, WEB_MODEL } from './fixtures.mjs';

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
    assert.equal(holdsModel([file('horse2zebra.pth')]), true);
    assert.deepEqual([file('mine.ZIP'), file('download', 'application/x-zip-compressed'), file('a.png', 'image/png')].map(isZip), [true, true, false],
      'a ZIP by its name, or by its type (Windows\' for a ZIP)');
  });

  describe('PyTorch generators', () => {
    const PTH = readFileSync(join(ROOT, 'tests', 'fixtures', 'pytorch', 'tiny_G.pth'));
    /** Opens `files` with a stand-in for the translator's importPytorch: what it was asked, and the entry. */
    async function imported(files, answer = null) {
      const asked = [];
      const importPytorch = async (args) => {
        asked.push(args);
        if (answer instanceof Error) throw answer;
        const manifest = { format: 1, name: args.name, domain_a: args.domainA, domain_b: args.domainB, a_to_b: { file: 'a_to_b.bpk', bytes: 3 }, ...(args.b && { b_to_a: { file: 'b_to_a.bpk', bytes: 3 } }) };
        return { manifest: JSON.stringify(manifest), files: { 'a_to_b.bpk': new Uint8Array([1, 2, 3]).buffer, 'b_to_a.bpk': new Uint8Array([4, 5, 6]).buffer } };
      };
      const entry = await readLocalModel(files, null, importPytorch);
      const [{ name, domainA, domainB, a, b }] = asked;
      assert.equal(a.tensors.length, 20, 'the checkpoint read');
      return { name, domainA, domainB, a: a.file, b: b?.file ?? null, label: [entry.name, entry.domain_a, entry.domain_b, entry.directions.join()], folder: entry.local.folder };
    }
    const inFolder = (path) => ({ file: new File([PTH], path.split('/').at(-1)), path });
    const fails = (promise, message) => assert.rejects(promise, (error) => {
      assert.equal(error.name, 'FriendlyError');
      assert.match(error.message, message);
      return true;
    });

    it('opens the CycleGAN code\'s checkpoints folder: its latest generators, G_A as A → B, the domains from its name', async () => {
      const folder = ['latest_net_G_B.pth', 'latest_net_D_A.pth', '5_net_G_A.pth', 'latest_net_G_A.pth', 'loss_log.txt'].map((name) => inFolder(`checkpoints/horse2zebra/${name}`));
      assert.deepEqual(await imported(folder), {
        name: 'horse2zebra', domainA: 'horse', domainB: 'zebra', a: 'latest_net_G_A.pth', b: 'latest_net_G_B.pth',
        label: ['horse2zebra', 'horse', 'zebra', 'a_to_b,b_to_a'], folder: 'latest_net_G_A.pth and latest_net_G_B.pth',
      });
      // G_B on its own translates B → A: the one direction, with the domains swapped.
      assert.deepEqual((await imported([inFolder('apple2orange/latest_net_G_B.pth')])).label, ['apple2orange', 'orange', 'apple', 'a_to_b']);
    });

    it('names a published model after its file, and its domains as the CycleGAN models name them', async () => {
      const named = async (name) => (await imported([new File([PTH], name)])).label.slice(0, 3);
      assert.deepEqual(await named('horse2zebra.pth'), ['horse2zebra', 'horse', 'zebra']);
      assert.deepEqual(await named('summer2winter_yosemite.pth'), ['summer2winter_yosemite', 'summer', 'winter yosemite']);
      assert.deepEqual(await named('style_monet.pth'), ['style_monet', 'photo', 'monet']);
      assert.deepEqual(await named('G_A2B_epoch33.pth'), ['G_A2B_epoch33', 'A', 'B']);
      assert.deepEqual(await named('latest_net_G_A.pth'), ['latest_net_G_A', 'A', 'B'], 'chosen without its folder');
    });

    it('opens checkpoints from a ZIP, and says what it cannot use', async () => {
      const zip = zipFile('monet2photo.zip', [{ name: 'latest_net_G_A.pth', bytes: PTH }, { name: 'latest_net_G_B.pth', bytes: PTH }]);
      assert.deepEqual((await imported([zip])).label, ['monet2photo', 'monet', 'photo', 'a_to_b,b_to_a']);
      await fails(readLocalModel(['a', 'b', 'c'].map((x) => new File([PTH], `${x}.pth`)), null, async () => ({})),
        /^Choose one PyTorch generator, or two for both directions \(the CycleGAN code saves them as latest_net_G_A\.pth and latest_net_G_B\.pth\), not 3 checkpoints \(“a\.pth”, “b\.pth”, “c\.pth”\)\.$/);
      await fails(readLocalModel([inFolder('x/latest_net_G_A.pth'), inFolder('y/5_net_G_A.pth')], null, async () => ({})), /^Choose one PyTorch generator/, 'two of one direction');
      await fails(imported([new File([PTH], 'd.pth')], new Error('“d.pth” is a PatchGAN discriminator (ndf 8)\n  more')), /^“d\.pth” is a PatchGAN discriminator \(ndf 8\)\.$/);
      await fails(readLocalModel([new File([PTH], 'g.pth')]), /^The translator is not running/);
    });
  });
});
