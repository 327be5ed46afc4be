// How the page writes sizes and durations (www/status.js): in the stored-models list, the ZIP
// messages, the status line and the time a batch or a video has left. Run: `node --test status.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatBytes, formatMs } from '../../www/status.js';

describe('status.js', () => {
  it('writes sizes in kB below a megabyte, with a decimal below 10 MB, and in GB from a gigabyte', () => {
    assert.deepEqual([1, 499, 12_345, 999_499, 999_500, 3_140_000, 9_949_999, 10_000_000, 512e6, 999_499_999, 999_500_000, 1.25e9, 734e9].map(formatBytes),
      ['1 kB', '1 kB', '12 kB', '999 kB', '1.0 MB', '3.1 MB', '9.9 MB', '10 MB', '512 MB', '999 MB', '1.0 GB', '1.3 GB', '734.0 GB']);
  });

  it('writes durations in ms, then seconds with a decimal, then minutes and seconds, then hours and minutes', () => {
    assert.deepEqual([0.4, 312.4, 999.4, 999.6, 2449, 59_949, 59_950, 61_000, 185_400, 3_599_400, 3_599_600, 4_320_000, 90_000_000].map(formatMs),
      ['0 ms', '312 ms', '999 ms', '1.0 s', '2.4 s', '59.9 s', '1 min 0 s', '1 min 1 s', '3 min 5 s', '59 min 59 s', '1 h 0 min', '1 h 12 min', '25 h 0 min']);
  });
});
