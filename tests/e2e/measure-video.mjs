// Time to translate a video in headless Chromium through the page's Video mode, end to end (seek,
// scale, translate, YUV, encode, WebM): a synthetic clip (moving shapes over a gradient, with a
// tone) is recorded in the page, then translated once per backend. Prints one JSON line per
// backend. Not a test: numbers to compare, nothing asserted.
//
//   node tests/e2e/measure-video.mjs                  # www/models' default model, 640×360, 4 s at 15 fps, largest side 256
//   node tests/e2e/measure-video.mjs --size 1280x720 --seconds 4 --fps 15 --max-side 512 --backends cpu,webgpu
//
// Chromium's WebGPU here is SwiftShader (software Vulkan on the CPU): its numbers say how the page
// behaves without a GPU driver, not how fast a real GPU is.

import { parseArgs } from 'node:util';
import { launchChromium, waitForEngine } from './chromium.mjs';
import { startServer } from './server.mjs';

const { values: options } = parseArgs({
  options: {
    models: { type: 'string' },
    size: { type: 'string', default: '640x360' },
    seconds: { type: 'string', default: '4' },
    fps: { type: 'string', default: '15' },
    'max-side': { type: 'string', default: '256' },
    backends: { type: 'string', default: 'cpu' },
  },
});
const [width, height] = options.size.split('x').map(Number);

const server = await startServer({ models: options.models });
const browser = await launchChromium();
try {
  for (const backend of options.backends.split(',')) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}?backend=${backend}&maxSide=${options['max-side']}`);
    const state = await waitForEngine(page);
    if (state.engine !== 'ready') throw new Error(`the page did not get ready: ${JSON.stringify(state)}`);
    const clip = await page.evaluate(record, { width, height, seconds: Number(options.seconds) });
    await page.click('#mode-video');
    await page.selectOption('#video-fps', options.fps);
    const started = Date.now();
    await page.setInputFiles('#video-file', { name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(clip, 'base64') });
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
      max_side: Number(options['max-side']),
      fps: Number(options.fps),
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

/** In the page: a WebM of moving shapes over a gradient with a 440 Hz tone, as base64. */
async function record({ width: w, height: h, seconds }) {
  const canvas = Object.assign(document.createElement('canvas'), { width: w, height: h });
  const context = canvas.getContext('2d');
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
  const started = performance.now();
  const draw = () => {
    const t = (performance.now() - started) / 1000;
    const gradient = context.createLinearGradient(0, 0, w, h);
    gradient.addColorStop(0, '#3a6');
    gradient.addColorStop(1, '#a63');
    context.fillStyle = gradient;
    context.fillRect(0, 0, w, h);
    for (let i = 0; i < 5; i++) {
      context.fillStyle = `hsl(${i * 70}, 60%, 50%)`;
      context.beginPath();
      context.arc((w * (0.1 + 0.2 * i) + t * 60 * (i + 1)) % w, h / 2 + Math.sin(t * 2 + i) * h / 4, h / 8, 0, 2 * Math.PI);
      context.fill();
    }
    track.requestFrame();
  };
  recorder.start();
  const timer = setInterval(draw, 1000 / 30);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(timer);
  recorder.stop();
  await stopped;
  await sound.close();
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
