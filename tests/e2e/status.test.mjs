// How the page writes sizes and durations (www/status.js): in the stored-models list, the ZIP
// messages, the status line and the time a batch or a video has left; and which of the status
// line's updates a screen reader hears. Run: `node --test status.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Announcer, formatBytes, formatMs } from '../../www/status.js';

describe('status.js', () => {
  it('writes sizes in kB below a megabyte, with a decimal below 10 MB, and in GB from a gigabyte', () => {
    assert.deepEqual([1, 499, 12_345, 999_499, 999_500, 3_140_000, 9_949_999, 10_000_000, 512e6, 999_499_999, 999_500_000, 1.25e9, 734e9].map(formatBytes),
      ['1 kB', '1 kB', '12 kB', '999 kB', '1.0 MB', '3.1 MB', '9.9 MB', '10 MB', '512 MB', '999 MB', '1.0 GB', '1.3 GB', '734.0 GB']);
  });

  it('writes durations in ms, then seconds with a decimal, then minutes and seconds, then hours and minutes', () => {
    assert.deepEqual([0.4, 312.4, 999.4, 999.6, 2449, 59_949, 59_950, 61_000, 185_400, 3_599_400, 3_599_600, 4_320_000, 90_000_000].map(formatMs),
      ['0 ms', '312 ms', '999 ms', '1.0 s', '2.4 s', '59.9 s', '1 min 0 s', '1 min 1 s', '3 min 5 s', '59 min 59 s', '1 h 0 min', '1 h 12 min', '25 h 0 min']);
  });

  it('speaks outcomes at once and a piece of work\'s progress when it starts, then at most every 10 s', () => {
    let now = 0;
    const spoken = [];
    const announcer = new Announcer((text) => spoken.push([now, text]), () => now);
    const at = (ms, text, thread) => { now = ms; announcer.update(text, thread); };
    at(0, 'Downloading the model… 0.0 of 22 MB', 'download');
    for (let ms = 50; ms <= 12_000; ms += 50) at(ms, `Downloading the model… ${(ms / 600).toFixed(1)} of 22 MB`, 'download');
    at(12_010, 'Preparing the model…', 'preparing'); // another piece of work: at once
    at(12_500, 'Preparing the model… 1 s', 'preparing');
    at(13_000, 'Ready: “horse2zebra” turns horse into zebra.'); // an outcome: at once
    at(13_001, 'The camera is off.');
    at(13_002, 'Translating “1.png” (1 of 500)…', 'batch'); // after an outcome, progress is news again
    for (let i = 1; i < 500; i++) {
      at(13_002 + i * 40, `Translated “${i}.png”.`, 'batch');
      at(13_022 + i * 40, `Translating “${i + 1}.png” (${i + 1} of 500)…`, 'batch');
    }
    at(33_100, 'Translated “500.png”.');
    assert.deepEqual(spoken, [
      [0, 'Downloading the model… 0.0 of 22 MB'],
      [10_000, 'Downloading the model… 16.7 of 22 MB'],
      [12_010, 'Preparing the model…'],
      [13_000, 'Ready: “horse2zebra” turns horse into zebra.'],
      [13_001, 'The camera is off.'],
      [13_002, 'Translating “1.png” (1 of 500)…'],
      [23_002, 'Translated “250.png”.'],
      [33_100, 'Translated “500.png”.'],
    ]);
  });
});
