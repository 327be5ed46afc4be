// Time to translate a video in headless Chromium through the page's Video mode, end to end (taking
// each frame, scale, translate, YUV, encode, MP4 or WebM): a synthetic clip (moving shapes over a
// gradient, with a tone) is recorded in the page, or with `--key-frames first` made there with one
// key frame only (numbered-video.mjs, 30 frames a second, no sound: a camera's long stretches
// between key frames), then translated once per backend. Prints one JSON line per
// backend. Not a test: numbers to compare, nothing asserted.
//
//   node tests/e2e/measure-video.mjs                  # www/models' default model, 640×360, 4 s at 15 fps, largest side 256
//   node tests/e2e/measure-video.mjs --size 1280x720 --seconds 4 --fps 15 --max-side 512 --backends cpu,webgpu
//   node tests/e2e/measure-video.mjs --size 1280x720 --seconds 6 --key-frames first
//   node tests/e2e/measure-video.mjs --formats mp4,webm   # the two files the page makes (H.264 / VP8), one after the other
//
// Chromium's WebGPU here is SwiftShader (software Vulkan on the CPU): its numbers say how the page
// behaves without a GPU driver, not how fast a real GPU is.

import { parseArgs } from 'node:util';
import { launchChromium, numberedVideo, recordVideo, waitForEngine } from './chromium.mjs';
import { startServer } from './server.mjs';

const { values: options } = parseArgs({
  options: {
    models: { type: 'string' },
    size: { type: 'string', default: '640x360' },
    seconds: { type: 'string', default: '4' },
    fps: { type: 'string', default: '15' },
    'max-side': { type: 'string', default: '256' },
    backends: { type: 'string', default: 'cpu' },
    'key-frames': { type: 'string', default: 'recorded' },
    formats: { type: 'string', default: 'mp4' },
  },
});
const [width, height] = options.size.split('x').map(Number);

const server = await startServer({ models: options.models });
const browser = await launchChromium();
try {
  for (const backend of options.backends.split(',')) for (const format of options.formats.split(',')) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}?backend=${backend}&maxSide=${options['max-side']}`);
    const state = await waitForEngine(page);
    if (state.engine !== 'ready') throw new Error(`the page did not get ready: ${JSON.stringify(state)}`);
    const clip = options['key-frames'] === 'first'
      ? await numberedVideo(page, { width, height, fps: 30, seconds: Number(options.seconds) })
      : await recordVideo(page, { width, height, seconds: Number(options.seconds) });
    await page.click('#mode-video');
    await page.selectOption('#video-fps', options.fps);
    await page.selectOption('#video-format', format);
    const started = Date.now();
    await page.setInputFiles('#video-file', { name: 'clip.webm', mimeType: 'video/webm', buffer: clip });
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.video), null, { timeout: 3_600_000 });
    const seconds = (Date.now() - started) / 1000;
    const outcome = await page.evaluate(() => ({
      state: document.body.dataset.video,
      status: document.getElementById('status-text').textContent,
      caption: document.getElementById('video-caption').textContent,
      alert: document.getElementById('alert').hidden ? null : document.getElementById('alert-text').textContent,
    }));
    const frames = Number(/(\d+) frames? in/.exec(outcome.status)?.[1] ?? NaN);
    console.log(JSON.stringify({
      backend: state.backend,
      model: state.model,
      source: options.size,
      key_frames: options['key-frames'],
      max_side: Number(options['max-side']),
      fps: Number(options.fps),
      format,
      frames,
      total_s: Number(seconds.toFixed(2)),
      ms_per_frame: Number((seconds * 1000 / frames).toFixed(1)),
      realtime_factor: Number((seconds / Number(options.seconds)).toFixed(2)),
      result: outcome.state,
      caption: outcome.caption,
      alert: outcome.alert,
    }));
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.stop();
}

