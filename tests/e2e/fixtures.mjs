// What the end-to-end tests feed the page and what they expect back: the committed tiny model
// imported from PyTorch (tests/fixtures/pytorch/web), its input image, and the native translation
// of that image; a models folder for the test server; small PNGs made on the spot.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUT = join(ROOT, 'test-output', 'e2e');
const PYTORCH = join(ROOT, 'tests', 'fixtures', 'pytorch');

/** tiny_G.pth's export: a 48×40 input and its native (Flex) translation, planar f32 CHW in [-1, 1]. */
export const INPUT_PNG = join(PYTORCH, 'input.png');
export const INPUT_SIZE = { width: 48, height: 40 };
/** The fixture's web model: the folder `native-trainer import` wrote for tiny_G.pth. */
export const WEB_MODEL = join(PYTORCH, 'web');

/**
 * How far a page pixel may be from the native translation, in levels of 255 per channel.
 * Native Flex and the browser (WebGPU or wasm CPU) agree within 1e-4 on outputs in [-1, 1]
 * (tests/browser.rs; measured ≤ 4e-6), which is 0.013 of one 8-bit level (2/255). Rounding to
 * u8 turns that into an exact match except for values within 1e-4 of a half level, which may
 * land on the neighbouring level: so at most 1. (putImageData/getImageData is exact for opaque
 * pixels; the PNG input has no colour profile, so decoding does not change it.)
 */
export const PIXEL_TOLERANCE = 1;

/** The native translation as RGBA bytes, rounded as image_io::from_planar does. */
export function expectedPixels() {
  const bytes = readFileSync(join(PYTORCH, 'expected_G.f32'));
  const planar = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const { width, height } = INPUT_SIZE;
  const plane = width * height;
  if (planar.length !== 3 * plane) throw new Error(`expected_G.f32 holds ${planar.length} values, not 3×${plane}`);
  const rgba = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.min(255, Math.max(0, Math.round((planar[c * plane + i] + 1) * 127.5)));
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** The largest per-channel difference and how many channels differ at all. */
export function compareRgba(actual, expected) {
  if (actual.length !== expected.length) throw new Error(`${actual.length} bytes, expected ${expected.length}`);
  let worst = 0;
  let differing = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (diff > 0) differing += 1;
    worst = Math.max(worst, diff);
  }
  return { worst, differing };
}

/**
 * How far apart two RGBA pictures of `width` are once each is averaged over 8 × 8 blocks: the mean
 * absolute difference of the blocks' colour channels, in levels. A video codec keeps those averages
 * but not single pixels (it stores colour at half resolution), so this compares through one.
 */
export function blockDifference(actual, expected, width) {
  const height = actual.length / 4 / width;
  let sum = 0;
  let count = 0;
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      for (let c = 0; c < 3; c++) {
        let difference = 0;
        for (let y = by; y < by + 8; y++) {
          for (let x = bx; x < bx + 8; x++) difference += actual[(y * width + x) * 4 + c] - expected[(y * width + x) * 4 + c];
        }
        sum += Math.abs(difference / 64);
        count += 1;
      }
    }
  }
  return sum / count;
}

/**
 * The frequency of a tone in `samples` (at `sampleRate`), from its rising crossings with
 * hysteresis at a third of the peak, so that near-silence and coding noise do not count; measured
 * from the first rise to the last. 0 for silence.
 */
export function toneFrequency(samples, sampleRate) {
  const peak = samples.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  if (peak < 0.01) return 0;
  const rises = [];
  let low = false;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i] < -peak / 3) low = true;
    else if (low && samples[i] > peak / 3) {
      rises.push(i);
      low = false;
    }
  }
  return rises.length > 1 ? (rises.length - 1) / ((rises.at(-1) - rises[0]) / sampleRate) : 0;
}

/** The first line of the fixture model's card (`tiny` names MODEL_CARD.md in its manifest). */
export const CARD_TITLE = '# tiny: a test model';

/** The fixture model's card: what the trainer writes (a table, a sample grid) and HTML that must stay text. */
export const CARD_TEXT = `${CARD_TITLE}

Random weights imported from PyTorch, for **tests** of a_to_b. <b>Not bold</b>

| | FID |
|---|---|
| left → right | 1.5 |

![input and output](samples.png)
`;

/**
 * A models folder for the test server: `broken` (listed first; its weights are cut short, so it
 * fails its checksum), `tiny` (the fixture model, with a model card; the index's default),
 * `future` (a manifest of a newer format) and `oversized` (its weights file has 64 KiB more than
 * its manifest says).
 */
export function prepareModels(dir = join(OUTPUT, 'models')) {
  rmSync(dir, { recursive: true, force: true });
  const manifest = JSON.parse(readFileSync(join(WEB_MODEL, 'manifest.json'), 'utf8'));
  const weights = readFileSync(join(WEB_MODEL, 'a_to_b.bpk'));
  /** A model folder: the fixture's manifest with `changes`, and `bytes` as its `a_to_b.bpk`. */
  const addModel = (name, changes, bytes) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'manifest.json'), JSON.stringify({ ...manifest, ...changes }, null, 2));
    writeFileSync(join(dir, name, 'a_to_b.bpk'), bytes);
  };
  addModel('tiny', { card: 'MODEL_CARD.md' }, weights);
  writeFileSync(join(dir, 'tiny', 'MODEL_CARD.md'), CARD_TEXT);
  writeFileSync(join(dir, 'tiny', 'samples.png'), makePng(20, 10));
  addModel('broken', { name: 'broken' }, weights.subarray(0, 1000));
  addModel('future', { name: 'future', format: 99 }, weights);
  addModel('oversized', { name: 'oversized' }, Buffer.concat([weights, Buffer.alloc(64 * 1024)]));
  // A second model that works, with both directions (the same network each way): for what a
  // change of model or direction does to work under way.
  addModel('twin', { name: 'twin', b_to_a: manifest.a_to_b }, weights);
  const entry = (name, directions = ['a_to_b']) => ({ name, path: `${name}/manifest.json`, domain_a: manifest.domain_a, domain_b: manifest.domain_b, directions });
  const models = [entry('broken'), entry('tiny'), entry('future'), entry('oversized'), entry('twin', ['a_to_b', 'b_to_a'])];
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ default: 'tiny', models }, null, 2));
  return dir;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG file: 8-bit samples of `colourType` (0 grey, 2 RGB), its pixels as one zlib stream. */
function pngFile(width, height, colourType, zlib) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colourType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An RGB PNG of `width × height` filled by `colour(x, y) → [r, g, b]`. */
export function makePng(width, height, colour = (x, y) => [x * 40 % 256, y * 40 % 256, 128]) {
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set(colour(x, y), y * (1 + width * 3) + 1 + x * 3);
  }
  return pngFile(width, height, 2, deflateSync(rows));
}

/**
 * A valid mid-grey PNG of `width × height`, however large, made without holding its pixels: a
 * band of `band` rows is compressed on its own and ends in a full flush, so the same bytes repeated
 * decompress to the whole picture. `height` must be a multiple of `band`.
 */
export function makeLargePng(width, height, band = 64) {
  if (height % band !== 0) throw new Error(`height ${height} is not a multiple of ${band}`);
  const rows = Buffer.alloc(band * (1 + width), 0x80); // 8-bit grey
  for (let y = 0; y < band; y++) rows[y * (1 + width)] = 0; // filter: none
  const packed = deflateRawSync(rows, { finishFlush: constants.Z_FULL_FLUSH });
  const bandAdler = adler32(rows);
  let adler = bandAdler;
  for (let i = 1; i < height / band; i++) adler = adler32Combine(adler, bandAdler, rows.length);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler);
  return pngFile(width, height, 0, Buffer.concat([
    Buffer.from([0x78, 0x01]), // deflate, 32 KiB window
    ...Array(height / band).fill(packed),
    Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]), // an empty final block
    trailer,
  ]));
}

const ADLER_BASE = 65521;

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % ADLER_BASE;
    b = (b + a) % ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** The Adler-32 of two byte runs one after the other, from theirs (zlib's adler32_combine). */
function adler32Combine(first, second, secondLength) {
  const rem = secondLength % ADLER_BASE;
  const a1 = first & 0xffff;
  const b1 = first >>> 16;
  const a = (a1 + (second & 0xffff) + ADLER_BASE - 1) % ADLER_BASE;
  const b = (rem * a1 + b1 + (second >>> 16) + ADLER_BASE - rem) % ADLER_BASE;
  return ((b << 16) | a) >>> 0;
}

/** Width and height from a PNG's header, or null if it is not a PNG. */
export function pngSize(bytes) {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * What Python's zipfile (an implementation independent of the app's) reads in a ZIP: whether every
 * CRC checks out, and each entry's name, date and bytes, in the order stored.
 */
export function readZip(path) {
  const script = `
import base64, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({'bad': z.testzip(), 'entries': [
        {'name': i.filename, 'date_time': list(i.date_time), 'compress_type': i.compress_type,
         'bytes': base64.b64encode(z.read(i)).decode()} for i in z.infolist()]}))`;
  const { bad, entries } = JSON.parse(execFileSync('python3', ['-c', script, path], { maxBuffer: 1 << 30 }).toString());
  return { bad, entries: entries.map(({ bytes, ...entry }) => ({ ...entry, bytes: Buffer.from(bytes, 'base64') })) };
}

/**
 * A ZIP of `files` ([{ name, bytes }], folders as "a/b.png"; a name ending in "/" is a folder's own
 * entry) written by Python's zipfile, an implementation independent of the app's reader. A file's
 * `nameBytes` are written as its name without the UTF-8 flag, and its `extra` as its extra field.
 * `compression`: 'stored', 'deflated' or 'bzip2'; `streamed`: written to a pipe, so each file's
 * sizes and CRC follow it in a data descriptor; `zip64`: ZIP64 records (Python writes them past a
 * limit, here lowered to 16 bytes and 1 file) for sizes, offsets and the end of the directory.
 */
export function makeZip(files, { compression = 'deflated', streamed = false, zip64 = false } = {}) {
  const script = `
import base64, io, json, sys, zipfile
spec = json.load(sys.stdin)
if spec['zip64']:
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 16, 1
method = {'stored': zipfile.ZIP_STORED, 'deflated': zipfile.ZIP_DEFLATED, 'bzip2': zipfile.ZIP_BZIP2}[spec['compression']]
class RawName(zipfile.ZipInfo):
    # a name written as the given bytes, without the UTF-8 flag (as Windows' and macOS's own zippers do)
    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits
out = sys.stdout.buffer if spec['streamed'] else io.BytesIO()
with zipfile.ZipFile(out, 'w', compression=method) as z:
    for f in spec['files']:
        info = (RawName if 'nameBytes' in f else zipfile.ZipInfo)(f['name'], (2026, 11, 26, 12, 0, 0))
        if 'nameBytes' in f:
            info.raw_name = base64.b64decode(f['nameBytes'])
        if 'extra' in f:
            info.extra = base64.b64decode(f['extra'])
        info.compress_type = zipfile.ZIP_STORED if f['name'].endswith('/') else method
        with z.open(info, 'w', force_zip64=spec['zip64']) as entry:
            entry.write(base64.b64decode(f['bytes']))
if not spec['streamed']:
    sys.stdout.buffer.write(out.getvalue())`;
  const spec = { compression, streamed, zip64, files: files.map(({ name, bytes, nameBytes, extra }) => ({
    name,
    bytes: Buffer.from(bytes).toString('base64'),
    ...(nameBytes && { nameBytes: Buffer.from(nameBytes).toString('base64') }),
    ...(extra && { extra: Buffer.from(extra).toString('base64') }),
  })) };
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(spec), maxBuffer: 1 << 30 });
}
