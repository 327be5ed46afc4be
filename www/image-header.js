// What a picture file's first bytes say, read without decoding it: its format (what tells a photo
// in a format the browser cannot open, such as an iPhone's HEIC, from a damaged file or one that
// is no picture at all) and the size its header declares (what tells a picture too large for the
// browser to open from a damaged one: PNG, JPEG, GIF, WebP and BMP).

/** How many bytes of a file `declaredSize` is given (a JPEG's size follows its metadata). */
export const HEADER_BYTES = 256 * 1024;

/** ISO-BMFF brands (an `ftyp` box's major and compatible brands) of HEIF images and of AVIF. */
const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'];
const AVIF_BRANDS = ['avif', 'avis'];

/**
 * The file's format by its signature: 'png', 'jpeg', 'gif', 'webp', 'bmp', 'ico', 'avif' (the
 * formats browsers open), 'heic', 'tiff' (also most camera raw files), 'psd', 'jxl', 'pdf'; null
 * when the bytes match none of them.
 */
export function declaredFormat(bytes) {
  const ascii = (at, length) => (at + length <= bytes.length ? String.fromCharCode(...bytes.subarray(at, at + length)) : '');
  const starts = (...values) => values.every((value, i) => bytes[i] === value);
  if (ascii(1, 3) === 'PNG' && bytes[0] === 0x89) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'webp';
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(4, 4) === 'ftyp') {
    const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    const brands = [ascii(8, 4)];
    for (let at = 16; at + 4 <= Math.min(boxSize, bytes.length); at += 4) brands.push(ascii(at, 4));
    if (brands.some((brand) => AVIF_BRANDS.includes(brand))) return 'avif';
    if (brands.some((brand) => HEIF_BRANDS.includes(brand))) return 'heic';
    if (brands[0] === 'crx ') return 'tiff'; // Canon's CR3 raw: told like the other raw files
    return null;
  }
  if (starts(0, 0, 1, 0)) return 'ico';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(0, 4) === '8BPS') return 'psd';
  if (starts(0xff, 0x0a) || ascii(4, 8) === 'JXL \r\n\x87\n') return 'jxl';
  if (ascii(0, 5) === '%PDF-') return 'pdf';
  return null;
}

/** `{ width, height }` as the file's header gives them, or null if the header is not one of ours. */
export function declaredSize(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at, length) => (at + length <= bytes.length ? String.fromCharCode(...bytes.subarray(at, at + length)) : '');
  let size = null;
  try {
    if (ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR') size = { width: view.getUint32(16), height: view.getUint32(20) };
    else if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') size = { width: view.getUint16(6, true), height: view.getUint16(8, true) };
    else if (ascii(0, 2) === 'BM') size = bmpSize(view);
    else if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') size = webpSize(view, ascii(12, 4));
    else if (view.getUint16(0) === 0xffd8) size = jpegSize(view);
  } catch {
    // a header cut short (a RangeError from the view): no size
  }
  return size && size.width > 0 && size.height > 0 ? size : null;
}

function bmpSize(view) {
  if (view.getUint32(14, true) === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) }; // OS/2 1.x
  // A negative height: rows stored top-down.
  return { width: view.getInt32(18, true), height: Math.abs(view.getInt32(22, true)) };
}

function webpSize(view, chunk) {
  switch (chunk) {
    case 'VP8 ': // lossy: 14-bit sizes after the key frame's start code
      return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    case 'VP8L': { // lossless: 14-bit sizes minus one, packed after the signature byte
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': { // extended: 24-bit canvas sizes minus one
      const u24 = (at) => view.getUint16(at, true) | (view.getUint8(at + 2) << 16);
      return { width: u24(24) + 1, height: u24(27) + 1 };
    }
    default:
      return null;
  }
}

/** A JPEG's frame size, from its first start-of-frame segment. */
function jpegSize(view) {
  let at = 2;
  while (at + 4 <= view.byteLength) {
    if (view.getUint8(at) !== 0xff) return null;
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) { // fill byte
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // no length
      at += 2;
      continue;
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or scan data before any frame
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}
