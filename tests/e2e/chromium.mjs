// Debian's Chromium driven by playwright-core (which never downloads a browser): WebGPU through
// SwiftShader's software Vulkan, two fake cameras (fake_device_0 and fake_device_1, 640×480) and
// a fake microphone (a 440 Hz tone, FAKE_MIC_HZ) that are allowed without asking; and what several scripts do with it (wait for the page, read a
// canvas or a picture's pixels, record or encode a test video in the page, read its frames' numbers).

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { encodeNumbered, NUMBER_BITS, readFrames, videoToDecode } from './numbered-video.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The fake microphone's tone (Hz): a second of it, looped. */
export const FAKE_MIC_HZ = 440;

/** A WAV file of one second of a FAKE_MIC_HZ tone (48 kHz, mono, 16 bits), written once; its path. */
function fakeMicrophoneFile() {
  const rate = 48_000;
  const wav = Buffer.alloc(44 + rate * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + rate * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(rate * 2, 40);
  for (let i = 0; i < rate; i++) wav.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * FAKE_MIC_HZ * i) / rate)), 44 + i * 2);
  const path = join(tmpdir(), `unpaired-fake-microphone-${FAKE_MIC_HZ}.wav`);
  writeFileSync(path, wav);
  return path;
}

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--use-fake-device-for-media-stream=device-count=2',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-audio-capture=${fakeMicrophoneFile()}`,
];

export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** Headless Chromium, with software WebGPU unless `webgpu` is false (then the page has none). */
export function launchChromium({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: webgpu ? [...BASE_ARGS, ...WEBGPU_ARGS] : BASE_ARGS,
  });
}

/** Waits until the page has settled on a model (or on why it has none) and returns <body>'s data. */
export async function waitForEngine(page, timeout = 120_000) {
  await page.waitForFunction(
    () => ['ready', 'failed', 'no-model', 'model-failed'].includes(document.body.dataset.engine),
    null,
    { timeout },
  );
  return page.evaluate(() => ({ ...document.body.dataset }));
}

/** The RGBA bytes of a canvas. */
export function canvasPixels(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return { width: canvas.width, height: canvas.height, rgba: Array.from(data) };
  }, selector);
}

/** The RGBA bytes of a picture file's contents (a PNG from a download, say), decoded in the page. */
export function picturePixels(page, bytes) {
  return page.evaluate(async (data) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)]), { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
    const context = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height }).getContext('2d');
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, [...bytes]);
}

/** Pixels (as `canvasPixels` gives them) mirrored left-right. */
export function mirroredPixels({ width, height, rgba }) {
  const out = new Array(rgba.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) out[(y * width + x) * 4 + c] = rgba[(y * width + width - 1 - x) * 4 + c];
    }
  }
  return { width, height, rgba: out };
}

/**
 * A WebM recorded in the page by the browser itself (MediaRecorder, VP8 and Opus): `seconds` of
 * `png` (a picture's bytes) drawn at its size, or of shapes moving over a gradient at `width ×
 * height`, with a 440 Hz tone. Resolves to the file's bytes.
 */
export async function recordVideo(page, { seconds, png = null, width = 640, height = 360 }) {
  const base64 = await page.evaluate(async ({ picture, length, w, h }) => {
    const bitmap = picture ? await createImageBitmap(new Blob([Uint8Array.from(atob(picture), (c) => c.charCodeAt(0))], { type: 'image/png' })) : null;
    const canvas = Object.assign(document.createElement('canvas'), { width: bitmap?.width ?? w, height: bitmap?.height ?? h });
    const context = canvas.getContext('2d');
    const started = performance.now();
    const draw = () => {
      if (bitmap) {
        context.drawImage(bitmap, 0, 0);
        return;
      }
      const t = (performance.now() - started) / 1000;
      const gradient = context.createLinearGradient(0, 0, canvas.width, canvas.height);
      gradient.addColorStop(0, '#3a6');
      gradient.addColorStop(1, '#a63');
      context.fillStyle = gradient;
      context.fillRect(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < 5; i++) {
        context.fillStyle = `hsl(${i * 70}, 60%, 50%)`;
        context.beginPath();
        context.arc((canvas.width * (0.1 + 0.2 * i) + t * 60 * (i + 1)) % canvas.width, canvas.height / 2 + Math.sin(t * 2 + i) * canvas.height / 4, canvas.height / 8, 0, 2 * Math.PI);
        context.fill();
      }
    };
    const [track] = canvas.captureStream(0).getVideoTracks();
    const sound = new AudioContext();
    await sound.resume();
    const tone = sound.createOscillator();
    tone.frequency.value = 440;
    const into = sound.createMediaStreamDestination();
    tone.connect(into);
    tone.start();
    const recorder = new MediaRecorder(new MediaStream([track, ...into.stream.getAudioTracks()]), { mimeType: 'video/webm;codecs=vp8,opus', videoBitsPerSecond: 8_000_000 });
    const parts = [];
    recorder.ondataavailable = (event) => parts.push(event.data);
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    draw();
    recorder.start();
    const timer = setInterval(() => {
      draw();
      track.requestFrame();
    }, 1000 / 30);
    await new Promise((resolve) => setTimeout(resolve, length * 1000));
    clearInterval(timer);
    recorder.stop();
    await stopped;
    await sound.close();
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, { picture: png ? Buffer.from(png).toString('base64') : null, length: seconds, w: width, h: height });
  return Buffer.from(base64, 'base64');
}

/** A WebM made in the page whose frames show their numbers (numbered-video.mjs): its bytes. */
export async function numberedVideo(page, { width, height, fps, seconds, keyEvery = 0, toneSeconds = 0 }) {
  return Buffer.from(await page.evaluate(encodeNumbered, { width, height, fps, seconds, keyEvery, bits: NUMBER_BITS, toneSeconds }), 'base64');
}

/**
 * The numbers (`numberedVideo`'s) that the frames of the WebM or MP4 `bytes` show in their left
 * `share` of the width (1, or 1/2 for a video with the original beside), in order.
 */
export async function frameNumbers(page, bytes, { share = 1 } = {}) {
  return (await page.evaluate(readFrames, { ...videoToDecode(bytes), share, bits: NUMBER_BITS })).numbers;
}

/** The last frame of the WebM or MP4 `bytes`, decoded in the page (WebCodecs): `{ width, height, rgba }`. */
export async function lastFramePixels(page, bytes) {
  return (await page.evaluate(readFrames, { ...videoToDecode(bytes), last: true })).last;
}
