// The size and the format a picture's header declares (www/image-header.js), on headers built
// byte by byte for each format and variant, and on cut or foreign bytes. Encoders' own output (Chromium's JPEG and
// WebP) is checked in chromium.test.mjs. Run: `node --test image-header.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { declaredFormat, declaredSize } from '../../www/image-header.js';
import { makeLargePng, makePng } from './fixtures.mjs';

/** Bytes from a list of numbers, strings (ASCII) and `[value, bytes, littleEndian]` integers. */
function bytes(...parts) {
  const out = [];
  for (const part of parts) {
    if (typeof part === 'string') out.push(...Buffer.from(part, 'ascii'));
    else if (Array.isArray(part)) {
      const [value, size, little] = part;
      const field = Buffer.alloc(size);
      if (size === 2) little ? field.writeUInt16LE(value) : field.writeUInt16BE(value);
      else if (size === 3) field.writeUIntLE(value, 0, 3);
      else little ? field.writeInt32LE(value) : field.writeUInt32BE(value);
      out.push(...field);
    } else out.push(part);
  }
  return new Uint8Array(out);
}

const LE = true;
const BE = false;

describe('the size a picture header declares', () => {
  it('PNG, however large', () => {
    assert.deepEqual(declaredSize(new Uint8Array(makePng(7, 5))), { width: 7, height: 5 });
    assert.deepEqual(declaredSize(new Uint8Array(makeLargePng(40000, 40000).subarray(0, 64))), { width: 40000, height: 40000 });
  });

  it('GIF 87a and 89a', () => {
    assert.deepEqual(declaredSize(bytes('GIF89a', [300, 2, LE], [200, 2, LE], 0xf7, 0, 0)), { width: 300, height: 200 });
    assert.deepEqual(declaredSize(bytes('GIF87a', [1, 2, LE], [2, 2, LE], 0, 0, 0)), { width: 1, height: 2 });
  });

  it('BMP: Windows headers (rows bottom-up or top-down) and OS/2 1.x', () => {
    const windows = (height) => bytes('BM', [0, 4, LE], [0, 4, LE], [54, 4, LE], [40, 4, LE], [640, 4, LE], [height, 4, LE], [1, 2, LE], [24, 2, LE]);
    assert.deepEqual(declaredSize(windows(480)), { width: 640, height: 480 });
    assert.deepEqual(declaredSize(windows(-480)), { width: 640, height: 480 });
    assert.deepEqual(declaredSize(bytes('BM', [0, 4, LE], [0, 4, LE], [26, 4, LE], [12, 4, LE], [33, 2, LE], [44, 2, LE], [1, 2, LE], [24, 2, LE])),
      { width: 33, height: 44 });
  });

  it('WebP: lossy, lossless and extended', () => {
    const riff = (chunk, ...body) => bytes('RIFF', [0, 4, LE], 'WEBP', chunk, [0, 4, LE], ...body);
    // Lossy: frame tag, start code, then 14-bit sizes with 2 scale bits above them (set here).
    assert.deepEqual(declaredSize(riff('VP8 ', 0, 0, 0, 0x9d, 0x01, 0x2a, [0xc000 | 1920, 2, LE], [0x4000 | 1080, 2, LE])), { width: 1920, height: 1080 });
    // Lossless: signature, then width − 1 and height − 1 in 14 bits each.
    const packed = (4000 - 1) | ((3000 - 1) << 14);
    assert.deepEqual(declaredSize(riff('VP8L', 0x2f, [packed, 4, LE])), { width: 4000, height: 3000 });
    // Extended: flags, 3 reserved bytes, then 24-bit width − 1 and height − 1.
    assert.deepEqual(declaredSize(riff('VP8X', 0x10, 0, 0, 0, [20000 - 1, 3], [16384 - 1, 3])), { width: 20000, height: 16384 });
  });

  it('JPEG: the frame after metadata, tables and fill bytes, baseline or progressive', () => {
    const segment = (marker, length) => [0xff, marker, [length, 2, BE], ...new Array(length - 2).fill(0)];
    const frame = (marker, width, height) => [0xff, marker, [17, 2, BE], 8, [height, 2, BE], [width, 2, BE], 3, ...new Array(9).fill(1)];
    assert.deepEqual(declaredSize(bytes(0xff, 0xd8, ...segment(0xe0, 16), ...frame(0xc0, 640, 480))), { width: 640, height: 480 });
    // A 60 KB EXIF block, a Huffman table (C4 is not a frame), a fill byte, then a progressive frame.
    const after = bytes(0xff, 0xd8, ...segment(0xe1, 60_000), ...segment(0xdb, 67), ...segment(0xc4, 31), 0xff, ...frame(0xc2, 12000, 9000));
    assert.deepEqual(declaredSize(after), { width: 12000, height: 9000 });
    assert.equal(declaredSize(after.subarray(0, 60_000)), null, 'cut before its frame');
    assert.equal(declaredSize(bytes(0xff, 0xd8, ...segment(0xe0, 16), 0xff, 0xda, [8, 2, BE])), null, 'scan data before any frame');
  });

  it('nothing for bytes that are not one of these pictures, or that stop too early', () => {
    for (const other of [new Uint8Array(0), bytes('hello, world'), bytes('GIF8'), bytes(0xff, 0xd8), new Uint8Array(makePng(7, 5).subarray(0, 20)), bytes('RIFF', [0, 4, LE], 'WAVE')]) {
      assert.equal(declaredSize(other), null);
    }
    assert.equal(declaredSize(bytes('GIF89a', [0, 2, LE], [10, 2, LE])), null, 'a zero side');
  });
});

describe('the format a picture file declares', () => {
  /** An ISO-BMFF `ftyp` box: the major brand, then the compatible ones. */
  const ftyp = (major, ...compatible) => bytes([16 + 4 * compatible.length, 4, BE], 'ftyp', major, [0, 4, BE], ...compatible);

  it('the formats browsers open', () => {
    assert.equal(declaredFormat(new Uint8Array(makePng(7, 5))), 'png');
    assert.equal(declaredFormat(bytes(0xff, 0xd8, 0xff, 0xe0)), 'jpeg');
    assert.equal(declaredFormat(bytes('GIF89a')), 'gif');
    assert.equal(declaredFormat(bytes('RIFF', [0, 4, LE], 'WEBPVP8 ')), 'webp');
    assert.equal(declaredFormat(bytes('BM', [0, 4, LE])), 'bmp');
    assert.equal(declaredFormat(bytes(0, 0, 1, 0, 1, 0)), 'ico');
    assert.equal(declaredFormat(ftyp('avif', 'mif1', 'miaf')), 'avif');
    assert.equal(declaredFormat(ftyp('mif1', 'avif', 'miaf')), 'avif', 'AVIF behind a generic HEIF major brand');
  });

  it('formats people meet that browsers do not open', () => {
    assert.equal(declaredFormat(ftyp('heic', 'mif1', 'heic')), 'heic', "an iPhone's photo");
    assert.equal(declaredFormat(ftyp('mif1', 'heic')), 'heic');
    assert.equal(declaredFormat(ftyp('heix')), 'heic');
    assert.equal(declaredFormat(ftyp('crx ', 'crx ', 'isom')), 'tiff', "Canon's CR3 raw");
    assert.equal(declaredFormat(bytes('II*', 0, [8, 4, LE])), 'tiff');
    assert.equal(declaredFormat(bytes('MM', 0, '*')), 'tiff');
    assert.equal(declaredFormat(bytes('8BPS', 0, 1)), 'psd');
    assert.equal(declaredFormat(bytes(0xff, 0x0a, 0xfa)), 'jxl');
    assert.equal(declaredFormat(bytes([12, 4, BE], 'JXL ', 0x0d, 0x0a, 0x87, 0x0a)), 'jxl');
    assert.equal(declaredFormat(bytes('%PDF-1.7')), 'pdf');
  });

  it('nothing for other bytes', () => {
    for (const other of [new Uint8Array(0), bytes('hello, world'), bytes('RIFF', [0, 4, LE], 'WAVE'), ftyp('isom', 'mp41'), bytes(0xff, 0xd8)]) {
      assert.equal(declaredFormat(other), null);
    }
  });
});
