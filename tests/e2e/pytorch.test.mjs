// Reading PyTorch checkpoints in the page (www/pytorch.js): the fixtures of tests/fixtures/pytorch
// in PyTorch's ZIP format, read value for value as an independent reader (Python's own pickle
// module, torch-free, in make_legacy.py) reads them; the same weights in the format before
// PyTorch 1.6 (make_legacy.py's tiny_G_legacy.pth, which burn-store's reader also imports in
// native-trainer/tests/import.rs); and files that are not checkpoints, cut short, or whose pickle
// names anything a state dict does not use, refused with a sentence. Run: `node --test pytorch.test.mjs`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { isCheckpoint, readCheckpoint } from '../../www/pytorch.js';
import { ROOT } from './fixtures.mjs';

const PYTORCH = join(ROOT, 'tests', 'fixtures', 'pytorch');
const read = (name, bytes = readFileSync(join(PYTORCH, name))) => readCheckpoint(new Blob([bytes]), name);

/** A checkpoint's tensors as Python's pickle module reads them (through make_legacy.py's reader). */
function pythonRead(name) {
  const script = `
import json, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import make_legacy
def flat(value, prefix, out):
    if isinstance(value, make_legacy.Tensor):
        count = 1
        for side in value.size:
            count *= side
        code, size = ('q', 8) if isinstance(value.storage, make_legacy.LongStorage) else ('f', 4)
        data = value.storage.data[value.offset * size:(value.offset + count) * size]
        out.append({'key': prefix[:-1], 'shape': list(value.size), 'values': list(struct.unpack(f'<{count}{code}', data))})
    elif isinstance(value, dict):
        for key, item in value.items():
            flat(item, f'{prefix}{key}.', out)
    return out
print(json.dumps(flat(make_legacy.read_zipped(sys.argv[2]), '', [])))`;
  const tensors = JSON.parse(execFileSync('python3', ['-c', script, PYTORCH, join(PYTORCH, name)], { maxBuffer: 1 << 28 }).toString());
  return tensors.map(({ key, shape, values }) => ({ key, shape, values: Float32Array.from(values) }));
}

/** `promise` fails with a FriendlyError whose sentence matches `message` (and whose cause matches `cause`). */
async function refused(promise, message, cause = /./) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, 'FriendlyError');
    assert.match(error.message, message);
    assert.match(String(error.cause?.message), cause);
    return true;
  });
}

describe('pytorch.js', () => {
  for (const name of ['tiny_G.pth', 'tiny_G_wrapped_old.pth', 'tiny_G_affine_block.pth', 'tiny_D.pth', 'tiny_unet.pth']) {
    it(`reads every tensor of ${name} (PyTorch's ZIP format) as Python's pickle does: keys, shapes and values`, async () => {
      const ours = await read(name);
      const theirs = pythonRead(name);
      assert.deepEqual(ours.map(({ key, shape }) => [key, shape]), theirs.map(({ key, shape }) => [key, shape]));
      for (const [i, { key, values }] of ours.entries()) assert.deepEqual(values, theirs[i].values, key);
    });
  }

  it('reads the format before PyTorch 1.6, which the published CycleGAN models are in, to the same tensors', async () => {
    const legacy = await read('tiny_G_legacy.pth');
    const zipped = await read('tiny_G.pth');
    assert.equal(legacy.length, 20);
    assert.deepEqual(legacy, zipped);
  });

  it('knows checkpoints by their names', () => {
    assert.deepEqual(['a.pth', 'B.PT', 'c.ckpt', 'd.pth.zip', 'e.bpk', 'pth'].map((name) => isCheckpoint({ name })), [true, true, true, false, false, false]);
  });

  it('refuses what is not a checkpoint, or is cut short, saying so', async () => {
    await refused(read('photo.pth', readFileSync(join(PYTORCH, 'input.png'))), /^“photo\.pth” is not a PyTorch checkpoint this page can read: it should be a generator saved by the CycleGAN code \(torch\.save of its state_dict\)\.$/);
    await refused(read('empty.pth', Buffer.alloc(0)), /^“empty\.pth” is not a PyTorch checkpoint/);
    const legacy = readFileSync(join(PYTORCH, 'tiny_G_legacy.pth'));
    await refused(read('cut.pth', legacy.subarray(0, legacy.length - 1000)), /^“cut\.pth” is not a PyTorch checkpoint/, /cut short/);
    const zipped = readFileSync(join(PYTORCH, 'tiny_G.pth'));
    await refused(read('cut.pth', zipped.subarray(0, zipped.length >> 1)), /^“cut\.pth” is damaged: it cannot be read as a PyTorch checkpoint\. Download or copy it again\.$/);
  });

  it('runs nothing a pickle names: any name a state dict does not use is refused before anything is made of it', async () => {
    // What `pickle.dumps` makes of an object whose __reduce__ is (os.system, ('echo owned',)).
    const evil = execFileSync('python3', ['-c', `
import os, pickle, sys
class Evil:
    def __reduce__(self):
        return (os.system, ('echo owned',))
sys.stdout.buffer.write(pickle.dumps(Evil(), protocol=2))`]);
    await refused(read('evil.pth', evil), /^“evil\.pth” is not a PyTorch checkpoint/, /refers to (posix|os)\.system, which a state dict does not use/);
  });
});
