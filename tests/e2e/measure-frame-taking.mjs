// How long Video mode takes to get each frame of a video ready to draw (www/video-frames.js),
// playing forward where that is quicker, against seeking to every frame, in headless Chromium.
// The clips are made in the page (numbered-video.mjs: VP8, 30 frames a second) with one key frame
// or one a second; each frame taken is drawn, its number read and checked against its time.
// Translation is left out: this is the cost that comes on top of it. Prints one JSON line per case.
// Not a test: numbers to compare, nothing asserted beyond the frames being the right ones.
//
//   node tests/e2e/measure-frame-taking.mjs                       # 1280×720, 6 s, at 15 and 30 frames a second
//   node tests/e2e/measure-frame-taking.mjs --size 1920x1080 --seconds 4 --fps 15

import { parseArgs } from 'node:util';
import { launchChromium, numberedVideo } from './chromium.mjs';
import { framesOutOfTime, NUMBER_BITS } from './numbered-video.mjs';
import { startServer } from './server.mjs';

const { values: options } = parseArgs({
  options: {
    size: { type: 'string', default: '1280x720' },
    seconds: { type: 'string', default: '6' },
    fps: { type: 'string', default: '15,30' },
  },
});
const [width, height] = options.size.split('x').map(Number);
const seconds = Number(options.seconds);

const server = await startServer({});
const browser = await launchChromium({ webgpu: false });
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  for (const keyEvery of [0, 30]) {
    const clip = await numberedVideo(page, { width, height, fps: 30, seconds, keyEvery });
    for (const fps of options.fps.split(',').map(Number)) {
      for (const play of [false, true]) {
        const result = await page.evaluate(async ({ data, rate, playing, bits }) => {
          const { FrameStepper } = await import('./video-frames.js');
          const video = document.createElement('video');
          video.muted = true;
          video.src = URL.createObjectURL(new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'video/webm' }));
          await new Promise((resolve) => { video.onloadeddata = resolve; });
          const context = Object.assign(document.createElement('canvas'), { width: video.videoWidth, height: video.videoHeight }).getContext('2d', { willReadFrequently: true });
          const numberOf = (source) => {
            context.drawImage(source, 0, 0);
            let number = 0;
            for (let bit = 0; bit < bits; bit++) {
              const [red] = context.getImageData(Math.floor(((bit + 0.5) * video.videoWidth) / bits), Math.floor(video.videoHeight / 4), 1, 1).data;
              number = number * 2 + (red > 128 ? 1 : 0);
            }
            return number;
          };
          const stepper = new FrameStepper(video, 'clip', 0.5 / rate, { play: playing });
          const numbers = [];
          const started = performance.now();
          for (let k = 0; k / rate < video.duration - 1e-6; k++) numbers.push(await stepper.frameAt(k / rate, numberOf));
          const ms = performance.now() - started;
          return { numbers, msPerFrame: Number((ms / numbers.length).toFixed(1)), counts: stepper.counts };
        }, { data: clip.toString('base64'), rate: fps, playing: play, bits: NUMBER_BITS });
        const { numbers, msPerFrame, counts } = result;
        const wrong = framesOutOfTime(numbers, { fps, sourceFps: 30 }).length;
        console.log(JSON.stringify({
          size: options.size, keyFrames: keyEvery ? `every ${keyEvery / 30} s` : 'first only', seconds, fps, way: play ? 'play or seek' : 'seek only', frames: numbers.length, msPerFrame, wrong, counts,
        }));
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
