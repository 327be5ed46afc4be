// Smoke run of the page in headless Firefox (geckodriver): by default it starts on the CPU, since
// Firefox's WebGPU here is Mesa's llvmpipe (a software renderer), and says why; asked for WebGPU, it
// loads the default model and translates the fixture photo like the native code; after one visit it
// works with its site gone (the service worker's copy); a model opened from this computer is kept
// across a reload (IndexedDB); a video is translated into a WebM Firefox plays in the right colours,
// with its sound, and a clip whose frames show their numbers into one with each frame at its time.
// The wasm crate's own browser tests
// (tests/browser.rs) cover the module in Firefox in depth; this covers the page.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  blockDifference, compareRgba, expectedPixels, INPUT_PNG, INPUT_SIZE, makeLargePng, makePng, makeZip, OUTPUT, PIXEL_TOLERANCE, prepareModels, ROOT, toneFrequency,
} from './fixtures.mjs';
import {
  assertFramesAtTheirTimes, encodeNumbered, NUMBER_BITS, readFrames, scriptOf, videoChunks,
} from './numbered-video.mjs';
import { startServer } from './server.mjs';
import { Firefox } from './webdriver.mjs';

/**
 * A script for the page: keeps the video it makes as `window.madeVideo`, a Blob (the page's own
 * CSP keeps a blob: URL from being fetched).
 */
const KEEP_MADE_VIDEO = `
  const made = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    if (blob.type === 'video/webm') window.madeVideo = blob;
    return made.call(URL, blob);
  };`;

/** The longest run of `samples` that are near silence (|x| < 0.02), in samples. */
function longestQuiet(samples) {
  let longest = 0;
  let run = 0;
  for (const sample of samples) {
    run = Math.abs(sample) < 0.02 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

describe('the web app in headless Firefox', () => {
  let server;
  let firefox;

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    server = await startServer({ models: prepareModels() });
    // The video test records sound from Firefox's fake microphone: a 440 Hz tone, without asking.
    firefox = await Firefox.start({
      prefs: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true, 'media.navigator.audio.fake_frequency': 440 },
    });
  });

  after(async () => {
    await firefox?.quit();
    await server?.stop();
  });

  const settled = "return ['ready', 'failed', 'no-model', 'model-failed'].includes(document.body.dataset.engine)";

  /**
   * The sound of the video the page made last (`window.madeVideo`), decoded by Firefox: length,
   * rate, its first channel's samples and their frequency (`toneFrequency`).
   */
  async function madeVideoSound() {
    const heard = await firefox.execute(`return (async () => {
      const audio = await new OfflineAudioContext(1, 1, 48000).decodeAudioData(await window.madeVideo.arrayBuffer());
      return { duration: audio.duration, rate: audio.sampleRate, samples: Array.from(audio.getChannelData(0)) };
    })()`);
    return { ...heard, frequency: toneFrequency(heard.samples, heard.rate) };
  }

  /** Translates the fixture photo through the file picker and compares it with the native output. */
  async function translateLikeNative(label, screenshot) {
    await firefox.chooseFile('#file', INPUT_PNG);
    await firefox.waitFor("return ['done', 'error'].includes(document.body.dataset.photo)");
    if (screenshot) writeFileSync(join(OUTPUT, screenshot), await firefox.screenshot());
    const photo = await firefox.execute("return [document.body.dataset.photo, document.getElementById('alert-details').textContent]");
    assert.equal(photo[0], 'done', `translation failed: ${photo[1]}`);

    const { width, height, rgba } = await firefox.execute(`
      const canvas = document.getElementById('photo-output');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return { width: canvas.width, height: canvas.height, rgba: Array.from(data) };`);
    assert.deepEqual({ width, height }, INPUT_SIZE);
    const { worst, differing } = compareRgba(rgba, expectedPixels());
    console.log(`${label}: output vs native translation: max |Δ| ${worst} level(s), ${differing} of ${rgba.length} channels differ`);
    assert.ok(worst <= PIXEL_TOLERANCE, `${label}: pixels differ from the native translation by ${worst} levels`);
  }

  it('automatic: takes the CPU over the software WebGPU adapter, says why, and shares translations among workers', { timeout: 300_000 }, async () => {
    console.log(`Firefox ${firefox.capabilities.browserVersion}`);
    await firefox.navigate(server.url);
    await firefox.waitFor(settled);
    const state = await firefox.execute('return { ...document.body.dataset }');
    assert.deepEqual([state.engine, state.model, state.backend, state.fallback], ['ready', 'tiny', 'cpu', 'software-webgpu'],
      'Firefox here has WebGPU on Mesa\'s llvmpipe (webdriver.json\'s preferences), which it marks as a fallback adapter');
    const notice = await firefox.execute("return document.getElementById('notice-text').textContent");
    console.log(`firefox automatic: ${notice}`);
    assert.match(notice, /^Translations run on the processor \(CPU\): the browser's WebGPU adapter is a software renderer \(.+\); the CPU path is faster\.$/);
    // Cross-origin isolated (serve.py's headers): one CPU worker per core, up to 4.
    const threads = await firefox.execute('return crossOriginIsolated ? Math.min(navigator.hardwareConcurrency, 4) : 1');
    assert.equal(state.threads, String(threads));
    await translateLikeNative(`firefox automatic (CPU, ${threads} threads)`);

    // A picture Firefox will not decode (1.6 gigapixels) is called too large, not damaged; the
    // translated photo stays in the list.
    const panorama = join(OUTPUT, 'panorama.png');
    writeFileSync(panorama, makeLargePng(40000, 40000));
    await firefox.chooseFile('#file', panorama);
    await firefox.waitFor("return document.body.dataset.photo === 'error'");
    assert.match(await firefox.execute("return document.getElementById('alert-text').textContent"),
      /^“panorama\.png” is 40000 × 40000 pixels \(1,600 megapixels\): more than this browser can open\./);
    assert.equal(await firefox.execute("return document.querySelectorAll('#history-list li').length"), 1, 'the earlier translation is kept');

    // A photo deleted after it was chosen, before its turn (two large ones are translated first):
    // said so, not taken for a damaged file; the others are translated.
    const dir = join(OUTPUT, 'firefox-gone');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const large = makeLargePng(3008, 2048);
    const chosen = [['large.png', large], ['larger.png', large], ['gone.png', makePng(40, 32)], ['last.png', makePng(40, 32)]].map(([name, bytes]) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    });
    await firefox.chooseFile('#file', chosen.join('\n'));
    rmSync(chosen[2]);
    await firefox.waitFor("return document.querySelectorAll('#history-list li').length === 4 && document.body.dataset.photo !== 'working'");
    assert.equal(await firefox.execute("return document.getElementById('alert-text').textContent"),
      '“gone.png” can no longer be read: it was moved, changed or deleted after it was chosen. Choose it again.');
  });

  it('works offline after one visit', { timeout: 300_000 }, async () => {
    const site = await startServer({ models: prepareModels(join(OUTPUT, 'firefox-offline-models')) });
    try {
      await firefox.navigate(`${site.url}?backend=cpu`);
      await firefox.waitFor(settled);
      await firefox.execute('navigator.serviceWorker.ready.then(() => { window.keptForOffline = true; })');
      await firefox.waitFor('return window.keptForOffline === true');
      await site.stop();
      await firefox.navigate(`${site.url}?backend=cpu`);
      await firefox.waitFor(settled);
      const state = await firefox.execute('return { ...document.body.dataset, isolated: crossOriginIsolated }');
      assert.deepEqual([state.engine, state.model, state.isolated], ['ready', 'tiny', true], 'the page, the model and its isolation without the site');
      await translateLikeNative('firefox offline');
    } finally {
      await site.stop();
    }
  });

  it('opens a model from a ZIP of its folder, and keeps it across a reload', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=cpu`);
    await firefox.waitFor(settled);
    // The site's copy of the fixture model, its folder zipped (deflated, so Firefox's
    // DecompressionStream inflates it), handed to "or a ZIP of it…" as if chosen.
    const zip = makeZip(['manifest.json', 'a_to_b.bpk', 'MODEL_CARD.md', 'samples.png']
      .map((name) => ({ name: `tiny/${name}`, bytes: readFileSync(join(OUTPUT, 'models', 'tiny', name)) })));
    await firefox.execute(`return (async () => {
      const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
      const picked = new DataTransfer();
      picked.items.add(new File([bytes], 'tiny.zip', { type: 'application/zip' }));
      const input = document.getElementById('model-files');
      input.files = picked.files;
      input.dispatchEvent(new Event('change'));
    })()`, [zip.toString('base64')]);
    await firefox.waitFor("return document.querySelector('#model option:checked').textContent.endsWith('— kept in this browser')");
    await firefox.navigate(`${server.url}?backend=cpu`);
    await firefox.waitFor(settled);
    const state = await firefox.execute("return [document.body.dataset.model, document.querySelector('#model option:checked').textContent]");
    assert.deepEqual(state, ['local-1:tiny', 'tiny (left ↔ right) — kept in this browser'], 'listed and preselected after a reload');
    await translateLikeNative('firefox, a model kept in this browser');
    await firefox.execute("document.getElementById('model-forget').click()");
    await firefox.waitFor("return document.getElementById('model-forget').hidden");
    await firefox.navigate(`${server.url}?backend=cpu`);
    await firefox.waitFor(settled);
    assert.equal(await firefox.execute('return document.body.dataset.model'), 'tiny', 'forgotten: the site\'s default again');
  });

  it('opens a generator saved by PyTorch in the format of the published models, translating as PyTorch does', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=cpu`);
    await firefox.waitFor(settled);
    // tiny_G.pth in the format before PyTorch 1.6, named as a published model, handed to "a PyTorch .pth…" as if chosen.
    const pth = readFileSync(join(ROOT, 'tests', 'fixtures', 'pytorch', 'tiny_G_legacy.pth'));
    await firefox.execute(`return (async () => {
      const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
      const picked = new DataTransfer();
      picked.items.add(new File([bytes], 'horse2zebra.pth'));
      const input = document.getElementById('model-files');
      input.files = picked.files;
      input.dispatchEvent(new Event('change'));
    })()`, [pth.toString('base64')]);
    await firefox.waitFor("return document.body.dataset.engine === 'ready' && document.querySelector('#model option:checked').textContent === 'horse2zebra (horse ↔ zebra) — kept in this browser'");
    await translateLikeNative('firefox, a PyTorch checkpoint (f16 weights)');
    await firefox.execute("document.getElementById('model-forget').click()");
    await firefox.waitFor("return document.getElementById('model-forget').hidden");
  });

  it('translates a video into a WebM that Firefox plays, in the colours it was translated in, with its sound', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=cpu`);
    await firefox.waitFor(settled);
    await firefox.execute(KEEP_MADE_VIDEO);
    // A 2-second clip of a picture, recorded by Firefox itself, handed to the page as if chosen.
    const recorded = await firefox.execute(`return (async () => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 48 });
      const context = canvas.getContext('2d');
      const draw = () => {
        for (let y = 0; y < 48; y += 8) for (let x = 0; x < 64; x += 8) {
          context.fillStyle = 'rgb(' + (x * 4) + ',' + (y * 5) + ',' + (255 - x * 3) + ')';
          context.fillRect(x, y, 8, 8);
        }
      };
      draw();
      const [track] = canvas.captureStream(0).getVideoTracks();
      const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
      const stream = new MediaStream([track, ...microphone.getAudioTracks()]);
      const recorder = new MediaRecorder(stream, { mimeType: 'video/webm', videoBitsPerSecond: 4000000 });
      const parts = [];
      recorder.ondataavailable = (event) => parts.push(event.data);
      const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
      recorder.start();
      const timer = setInterval(() => { draw(); track.requestFrame(); }, 40);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      clearInterval(timer);
      recorder.stop();
      await stopped;
      for (const each of microphone.getTracks()) each.stop();
      const picked = new DataTransfer();
      picked.items.add(new File(parts, 'clip.webm', { type: 'video/webm' }));
      document.getElementById('mode-video').click();
      document.getElementById('video-fps').value = '10';
      const input = document.getElementById('video-file');
      input.files = picked.files;
      input.dispatchEvent(new Event('change'));
      return parts.reduce((sum, part) => sum + part.size, 0);
    })()`);
    assert.ok(recorded > 0, 'Firefox recorded a clip');
    await firefox.waitFor("return ['done', 'stopped', 'error'].includes(document.body.dataset.video)");
    const outcome = await firefox.execute("return [document.body.dataset.video, document.getElementById('alert-text').textContent, document.getElementById('alert-details').textContent, document.getElementById('video-caption').textContent]");
    assert.equal(outcome[0], 'done', `${outcome[1]} ${outcome[2]}`);
    assert.match(outcome[3], /^clip-tiny-a_to_b\.webm: 2\.\d s at 10 frames per second, 64 × 48, with sound \(mono\); a WebM: this browser cannot encode H\.264, which an MP4 needs$/,
      "Firefox's fake microphone is mono; this Firefox encodes no H.264 (Debian's has no OpenH264), so the MP4 asked for (the default) is a WebM, and the caption says so");
    assert.equal(await firefox.execute("return document.getElementById('video-download').textContent"), 'Download video (WebM)');
    const heard = await madeVideoSound();
    console.log(`firefox video sound: ${heard.duration.toFixed(3)} s, ${heard.frequency.toFixed(1)} Hz`);
    assert.ok(Math.abs(heard.duration - 2) < 0.35 && Math.abs(heard.frequency - 440) < 10, `Firefox reads the sound kept: ${JSON.stringify({ duration: heard.duration, frequency: heard.frequency })}`);
    const played = await firefox.execute(`return (async () => {
      const video = document.getElementById('video-output');
      if (video.readyState < 2) await new Promise((resolve, reject) => {
        video.addEventListener('loadeddata', resolve, { once: true });
        video.addEventListener('error', () => reject(new Error('Firefox cannot play the video made: ' + (video.error && video.error.message))), { once: true });
      });
      const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
      video.currentTime = 1.05;
      await seeked;
      const pixels = (source, width, height) => {
        const canvas = Object.assign(document.createElement('canvas'), { width, height });
        const context = canvas.getContext('2d');
        context.drawImage(source, 0, 0);
        return Array.from(context.getImageData(0, 0, width, height).data);
      };
      const shown = document.getElementById('video-frame');
      return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, rgba: pixels(video, video.videoWidth, video.videoHeight), translated: pixels(shown, shown.width, shown.height) };
    })()`);
    assert.deepEqual([played.width, played.height], [64, 48]);
    assert.ok(Math.abs(played.duration - 2) < 0.35, `about 2 s long: ${played.duration}`);
    const difference = blockDifference(played.rgba, played.translated, played.width);
    console.log(`firefox video: a played frame vs the frame translated, 8×8 block means: mean |Δ| ${difference.toFixed(2)} levels`);
    assert.ok(difference < 2, `Firefox shows the colours the frames were translated in (mean |Δ| ${difference.toFixed(2)})`);
  });

  it('takes each frame of a video at its time, between key frames far apart too, and says where a cut file\'s picture ends', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=cpu&maxSide=256`);
    await firefox.waitFor(settled);
    // 3 s at 30 frames a second with one key frame, made by Firefox, handed to the page as if chosen.
    const clip = join(OUTPUT, 'numbered-firefox.webm');
    const clipBytes = Buffer.from(await firefox.execute(scriptOf(encodeNumbered, { width: 1280, height: 720, fps: 30, seconds: 3, keyEvery: 0, bits: NUMBER_BITS })), 'base64');
    writeFileSync(clip, clipBytes);
    await firefox.execute(`${KEEP_MADE_VIDEO}
      const info = console.info;
      console.info = (...args) => {
        if (args[0] === 'Unpaired: video frames taken') window.framesTaken = JSON.parse(args[1]);
        info.apply(console, args);
      };
      document.getElementById('mode-video').click();
      document.getElementById('video-fps').value = '15';
      const beside = document.getElementById('video-beside');
      if (!beside.checked) beside.click(); // the original, numbers and all, on the left`);
    await firefox.chooseFile('#video-file', clip);
    await firefox.waitFor("return ['done', 'stopped', 'error'].includes(document.body.dataset.video)");
    const outcome = await firefox.execute("return [document.body.dataset.video, document.getElementById('alert-text').textContent, document.getElementById('alert-details').textContent]");
    assert.equal(outcome[0], 'done', `${outcome[1]} ${outcome[2]}`);
    const made = Buffer.from(await firefox.execute(`return (async () => {
      const bytes = new Uint8Array(await window.madeVideo.arrayBuffer());
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    })()`), 'base64');
    assertFramesAtTheirTimes((await firefox.execute(scriptOf(readFrames, { chunks: videoChunks(made), share: 0.5, bits: NUMBER_BITS }))).numbers, { fps: 15, sourceFps: 30, seconds: 3 });
    // Firefox announces frames that are not the ones drawn while playing: the page finds out and seeks.
    console.log(`firefox video frames taken: ${JSON.stringify(await firefox.execute('return window.framesTaken'))}`);
    assert.doesNotMatch(await firefox.execute("return document.getElementById('status-text').textContent"), /no new picture/);
    // The clip cut in half: Firefox reads its picture to about 1.5 s, and the page says the rest
    // holds the last one.
    const cut = join(OUTPUT, 'cut-firefox.webm');
    writeFileSync(cut, clipBytes.subarray(0, clipBytes.length >> 1));
    await firefox.chooseFile('#video-file', cut);
    await firefox.waitFor("return document.body.dataset.video !== 'working' && /cut/.test(document.getElementById('video-caption').textContent)");
    const status = await firefox.execute("return [document.body.dataset.video, document.getElementById('status-text').textContent]");
    assert.equal(status[0], 'done');
    assert.match(status[1], /“cut-firefox\.webm” shows no new picture after [12]\.\d s, so its last one is held from there \(the file may be cut short\)\.$/);
  });

  it('records the camera\'s translation with the microphone\'s sound into a WebM Firefox plays, and says why not an MP4', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=cpu&maxSide=256`);
    await firefox.waitFor(settled);
    await firefox.execute(KEEP_MADE_VIDEO);
    const frames = "return Number(document.getElementById('fps').dataset.frames || 0)";
    await firefox.execute("document.getElementById('mode-camera').click()");
    await firefox.waitFor(`${frames} >= 2`);
    await firefox.execute("document.getElementById('camera-sound').click()"); // on: the fake microphone's 440 Hz tone
    // The frames taken before the click are not recorded (those shown, and the one being
    // translated): counted in the same task as the click (a person's: WebDriver's).
    await firefox.execute(`document.getElementById('camera-record').addEventListener('click', () => {
      const { frames, busy } = document.getElementById('fps').dataset;
      window.framesBeforeRecording = Number(frames) + (busy === 'true' ? 1 : 0);
    }, { once: true, capture: true })`);
    await firefox.click('#camera-record');
    const first = await firefox.execute('return window.framesBeforeRecording');
    await firefox.waitFor(`${frames} >= ${first + 5}`);
    // 1.5 s, a pause of 1 s, 1 s more: the sound leaves the pause out too, with no gap for it.
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(1500);
    await firefox.execute("document.getElementById('camera-pause').click()");
    await sleep(1000);
    await firefox.execute("document.getElementById('camera-pause').click()");
    await sleep(1000);
    await firefox.execute("document.getElementById('camera-pause').click()");
    await firefox.waitFor("return document.getElementById('fps').dataset.busy === 'false'");
    const recorded = (await firefox.execute(frames)) - first;
    await firefox.execute("document.getElementById('camera-record').click()");
    await firefox.waitFor("return document.body.dataset.recording === 'off'");
    const status = await firefox.execute("return document.getElementById('status-text').textContent");
    assert.match(status, new RegExp(`^The recording is saved: camera-[-0-9T]+-tiny-a_to_b\\.webm \\(\\d+\\.\\d s, ${recorded} frames, with sound \\(mono\\); a WebM: this browser cannot encode H\\.264, which an MP4 needs\\)\\.$`));
    const played = await firefox.execute(`return (async () => {
      const video = document.createElement('video');
      video.src = URL.createObjectURL(window.madeVideo);
      await new Promise((resolve, reject) => {
        video.addEventListener('loadeddata', resolve, { once: true });
        video.addEventListener('error', () => reject(new Error('Firefox cannot play the recording: ' + (video.error && video.error.message))), { once: true });
      });
      const output = document.getElementById('camera-output');
      return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, shown: [output.width, output.height] };
    })()`);
    console.log(`firefox camera recording: ${recorded} frames, ${played.duration.toFixed(2)} s, ${played.width} × ${played.height}`);
    assert.deepEqual([played.width, played.height], played.shown.map((side) => side - (side % 2)), 'the translation\'s size');
    assert.ok(played.duration > 0 && Number.isFinite(played.duration), `a length: ${played.duration}`);
    const heard = await madeVideoSound();
    heard.gap = longestQuiet(heard.samples.slice(heard.rate / 2)) / heard.rate;
    console.log(`firefox camera recording sound: ${heard.duration.toFixed(3)} s, ${heard.frequency.toFixed(1)} Hz, longest quiet after 0.5 s: ${heard.gap.toFixed(3)} s`);
    assert.ok(heard.gap < 0.1, `the tone goes on through the pause, no silence in its place: ${heard.gap} s`);
    assert.ok(Math.abs(heard.duration - played.duration) < 0.1 && Math.abs(heard.frequency - 440) < 10, `the microphone's tone, as long as the video: ${JSON.stringify({ duration: heard.duration, frequency: heard.frequency })}`);
    await firefox.execute("document.getElementById('camera-sound').click()"); // off again
    await firefox.execute("document.getElementById('mode-photo').click()");
  });

  it('asked for WebGPU, runs on it and translates a photo like the native code', { timeout: 300_000 }, async () => {
    await firefox.navigate(`${server.url}?backend=webgpu`);
    await firefox.waitFor(settled);
    const state = await firefox.execute('return { ...document.body.dataset }');
    assert.equal(state.engine, 'ready');
    assert.equal(state.model, 'tiny');
    assert.equal(state.backend, 'webgpu', 'Firefox with Mesa\'s software Vulkan offers WebGPU (webdriver.json\'s preferences)');
    await translateLikeNative('firefox webgpu', '16-firefox.png');
  });
});
