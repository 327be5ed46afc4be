// Pictures in and out: decoding a chosen, dropped or pasted file, scaling it to the largest side
// the person allows, and saving a canvas as a PNG download.

import { FriendlyError, isFileGone } from './errors.js';
import { declaredFormat, declaredSize, HEADER_BYTES } from './image-header.js';

/** The generator needs at least this many pixels on each side. */
export const MIN_SIDE = 8;

/**
 * A picture of more pixels than this that the browser fails to open is taken to be too large for
 * it, not damaged (Chromium and Firefox open 400 megapixels and refuse 1,600 without saying why).
 */
const LARGE_PIXELS = 50e6;

/** Formats browsers commonly decode: a failure on one of these means a damaged file. */
const COMMON_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif', 'image/x-icon', 'image/vnd.microsoft.icon'];

/** Decodes an image file into an ImageBitmap, or throws a FriendlyError that says why not. */
export async function decodeFile(file) {
  const name = file.name || 'The pasted picture';
  const type = file.type || '';
  if (type && !type.startsWith('image/')) {
    throw new FriendlyError('not-image', `“${name}” is not a picture. Choose a photo (JPEG, PNG, WebP or GIF).`,
      new Error(`file type ${type}`));
  }
  if (file.size === 0) {
    throw new FriendlyError('damaged-image', `“${name}” is empty.`, new Error('0 bytes'));
  }
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch (error) {
    const header = await headerOf(file, name);
    const size = header && declaredSize(header);
    if (size && size.width * size.height > LARGE_PIXELS) {
      const megapixels = Math.round(size.width * size.height / 1e6).toLocaleString('en');
      throw new FriendlyError('too-large', `“${name}” is ${size.width} × ${size.height} pixels (${megapixels} megapixels): more than this browser can open. Scale it down (4,000 pixels on the longest side is plenty) and try again.`, error);
    }
    // By its contents; else by the type the system gave it (an iPhone's photo copied elsewhere).
    const format = (header && declaredFormat(header)) ?? FORMAT_OF_TYPE[type] ?? null;
    if (FOREIGN_FORMATS[format]) {
      const [kind, text] = FOREIGN_FORMATS[format](name);
      throw new FriendlyError(kind, text, error);
    }
    const commonType = !type || COMMON_TYPES.includes(type); // or none: the browser did not say
    if (header && !format && commonType) {
      throw new FriendlyError('not-image', `“${name}” is not a picture this browser can open: its contents are not JPEG, PNG, WebP, GIF, AVIF or BMP.`, error);
    }
    if (format || commonType) {
      throw new FriendlyError('damaged-image', `“${name}” could not be opened: the file seems damaged or incomplete.`, error);
    }
    throw new FriendlyError('unsupported-image', `This browser cannot open “${name}” (${type}). Try a JPEG or PNG.`, error);
  }
}

/**
 * Formats people meet that browsers (most of them) do not open, by `declaredFormat`'s name: the
 * error's kind and what to do, for a file named `name`.
 */
const FOREIGN_FORMATS = {
  heic: (name) => ['unsupported-image', `“${name}” is a HEIC photo (the format iPhones save in), which this browser cannot open. Save it as a JPEG first (sharing or exporting it from the iPhone does that, and Settings → Camera → Formats → Most Compatible makes new photos JPEGs), then try again.`],
  tiff: (name) => ['unsupported-image', `“${name}” is a TIFF or camera raw picture, which this browser cannot open. Save it as a JPEG or PNG first, then try again.`],
  psd: (name) => ['unsupported-image', `“${name}” is a Photoshop document, which this browser cannot open. Save it as a JPEG or PNG first, then try again.`],
  jxl: (name) => ['unsupported-image', `“${name}” is a JPEG XL picture, which this browser cannot open. Save it as a JPEG or PNG first, then try again.`],
  pdf: (name) => ['not-image', `“${name}” is a PDF document, not a picture. Choose a photo (JPEG, PNG, WebP or GIF).`],
};

/** `FOREIGN_FORMATS`' names of the types systems give those files. */
const FORMAT_OF_TYPE = {
  'image/heic': 'heic',
  'image/heif': 'heic',
  'image/heic-sequence': 'heic',
  'image/heif-sequence': 'heic',
  'image/tiff': 'tiff',
  'image/vnd.adobe.photoshop': 'psd',
  'image/jxl': 'jxl',
};

/**
 * The file's first bytes (as many as `declaredSize` needs), or null if they cannot be read; a file
 * moved, deleted or changed since it was chosen fails with a sentence that says so.
 */
async function headerOf(file, name) {
  try {
    return new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  } catch (error) {
    if (isFileGone(error)) {
      throw new FriendlyError('file-gone', `“${name}” can no longer be read: it was moved, changed or deleted after it was chosen. Choose it again.`, error);
    }
    return null;
  }
}

/** The size that fits `width × height` within `maxSide`, keeping the aspect ratio. */
export function fitWithin(width, height, maxSide) {
  const longest = Math.max(width, height);
  if (longest <= maxSide) return { width, height };
  const scale = maxSide / longest;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Draws `source` (an ImageBitmap, a video, a canvas) into `canvas`, scaled down to `maxSide`,
 * and returns the pixels. Throws a FriendlyError for pictures too small to translate.
 */
export function drawScaled(source, sourceWidth, sourceHeight, canvas, maxSide, name = 'This picture') {
  const { width, height } = fitWithin(sourceWidth, sourceHeight, maxSide);
  if (width < MIN_SIDE || height < MIN_SIDE) {
    throw new FriendlyError('too-small', `${name} is too small to translate (${sourceWidth} × ${sourceHeight} pixels, or less once scaled to ${maxSide} pixels); it needs at least ${MIN_SIDE} × ${MIN_SIDE}.`,
      new Error(`scaled size ${width}×${height}`));
  }
  return drawFitted(source, sourceWidth, sourceHeight, canvas, maxSide).getImageData(0, 0, width, height);
}

/** Draws `source` into `canvas`, scaled down to `maxSide` (any size), and returns the canvas's context. */
export function drawFitted(source, sourceWidth, sourceHeight, canvas, maxSide) {
  const { width, height } = fitWithin(sourceWidth, sourceHeight, maxSide);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, width, height);
  return context;
}

/** Shows an ImageData in a canvas of its size. */
export function paint(canvas, image) {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  canvas.getContext('2d').putImageData(image, 0, 0);
}

/** A new canvas showing `image` (an ImageData): a copy to encode or to draw from. */
export function canvasOf(image) {
  const canvas = document.createElement('canvas');
  paint(canvas, image);
  return canvas;
}

/** The pixels of a PNG (from `toPng`), at its size. */
export async function readPng(png) {
  const bitmap = await createImageBitmap(png, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const canvas = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** A copy of the canvas mirrored left-right. */
export function mirrored(canvas) {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.translate(canvas.width, 0);
  context.scale(-1, 1);
  context.drawImage(canvas, 0, 0);
  return copy;
}

/** The canvas as a PNG. */
export function toPng(canvas) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the picture could not be encoded as PNG'))), 'image/png'));
}

/** Saves a blob as a file through the browser's download (nothing is sent anywhere). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A moment as part of a file name: "2026-11-25T14-03-59" (UTC). */
export function fileStamp(date = new Date()) {
  return date.toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

/** Whether this browser can share a file named `name` of `type` with other apps (the Web Share API with files: phones' share sheet). */
export function canShareFile(name, type) {
  try {
    return Boolean(navigator.canShare?.({ files: [new File([new Uint8Array(8)], name, { type })] }));
  } catch {
    return false;
  }
}

/** Hands `file` to the system's share sheet; a sheet the person closes is no error. */
export async function shareFile(file) {
  try {
    await navigator.share({ files: [file], title: file.name });
  } catch (error) {
    if (error?.name !== 'AbortError') throw error;
  }
}

/**
 * "holiday.jpg" → "holiday-horse2zebra-a_to_b.png"; a video's result is named the same way with
 * its `extension` ("webm") and `unnamed` ("video") for a source without a name.
 */
export function resultName(sourceName, modelName, direction, { extension = 'png', unnamed = 'picture' } = {}) {
  const stem = (sourceName || unnamed).replace(/\.[^.]*$/, '') || unnamed;
  return `${stem}-${modelName}-${direction}.${extension}`;
}
