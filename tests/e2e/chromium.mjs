// Debian's Chromium driven by playwright-core (which never downloads a browser): WebGPU through
// SwiftShader's software Vulkan, and two fake cameras (fake_device_0 and fake_device_1, 640×480)
// that are allowed without asking.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--use-fake-device-for-media-stream=device-count=2',
  '--use-fake-ui-for-media-stream',
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
