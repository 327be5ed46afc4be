// www/yuv.js: RGBA to I420 with BT.601 limited range, against the standard's values for pure
// colours, chroma as the mean of each 2 × 2 block, a stride wider than the picture, odd sides refused.
// Run: `node --test yuv.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { i420 } from '../../www/yuv.js';

/** A `width × height` RGBA picture with each pixel's colour from `colour(x, y)`. */
function picture(width, height, colour) {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set([...colour(x, y), 255], (y * width + x) * 4);
  }
  return rgba;
}

describe('yuv.js', () => {
  it('maps pure colours to BT.601 limited-range values', () => {
    const cases = [
      [[0, 0, 0], [16, 128, 128]],
      [[255, 255, 255], [235, 128, 128]],
      [[255, 0, 0], [81, 90, 240]],
      [[0, 255, 0], [145, 54, 34]],
      [[0, 0, 255], [41, 240, 110]],
    ];
    for (const [rgb, yuv] of cases) {
      const planes = i420(picture(2, 2, () => rgb), 2, 2, 2);
      assert.deepEqual([...planes], [yuv[0], yuv[0], yuv[0], yuv[0], yuv[1], yuv[2]], `rgb(${rgb})`);
    }
  });

  it('keeps luma per pixel and chroma per 2 × 2 block, the mean of its colours', () => {
    // Left column black, right column white: grey chroma, luma as each pixel's.
    const planes = i420(picture(4, 2, (x) => (x % 2 ? [255, 255, 255] : [0, 0, 0])), 4, 4, 2);
    assert.deepEqual([...planes.subarray(0, 8)], [16, 235, 16, 235, 16, 235, 16, 235]);
    assert.deepEqual([...planes.subarray(8)], [128, 128, 128, 128]);
    // Half red, half blue in a block: the chroma of their mean colour.
    const mixed = i420(picture(2, 2, (x) => (x ? [255, 0, 0] : [0, 0, 255])), 2, 2, 2);
    assert.deepEqual([...mixed.subarray(4)], [165, 175], 'U and V of rgb(127.5, 0, 127.5)');
  });

  it('reads the top-left corner of a wider picture and refuses odd sides', () => {
    const wide = picture(5, 3, (x, y) => (x < 2 && y < 2 ? [255, 255, 255] : [0, 0, 0]));
    assert.deepEqual([...i420(wide, 5, 2, 2)], [235, 235, 235, 235, 128, 128]);
    assert.throws(() => i420(wide, 5, 5, 2), /even sides/);
  });
});
