// The web app end to end in headless Chromium: what a person does, checked the way they would see
// it, with a screenshot of each state in test-output/e2e/. Run: `node --test chromium.test.mjs`
// here (after `npm ci`), with pkg/ built (`bash scripts/build-web.sh`).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  canvasPixels, FAKE_MIC_HZ, frameNumbers, lastFramePixels, launchChromium, mirroredPixels, numberedVideo, picturePixels, recordVideo, waitForEngine,
} from './chromium.mjs';
import {
  blockDifference, CARD_TITLE, compareRgba, expectedPixels, INPUT_PNG, INPUT_SIZE, makeLargePng, makePng, OUTPUT, PIXEL_TOLERANCE, pngSize, prepareModels, makeZip, readZip, ROOT, toneFrequency, WEB_MODEL,
} from './fixtures.mjs';
import { child, children, elements } from './ebml.mjs';
import { mp4Tracks } from './mp4-boxes.mjs';
import { assertFramesAtTheirTimes, readFrames, videoToDecode } from './numbered-video.mjs';
import { startServer } from './server.mjs';

const SLOW = { timeout: 300_000 }; // software WebGPU compiles its shaders on first use

let server;
let browser;
let context;
const requests = [];

const shot = (page, name) => page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });

async function openPage(search = '', ctx = context) {
  const page = await ctx.newPage();
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  await page.goto(server.url + search);
  return page;
}

/** Gives the page a file through the file picker and waits until it is translated (or refused). */
async function translateFile(page, file) {
  await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.photo), null, SLOW);
  return page.evaluate(() => document.body.dataset.photo);
}

async function assertMatchesNative(page, label) {
  const { width, height, rgba } = await canvasPixels(page, '#photo-output');
  assert.deepEqual({ width, height }, INPUT_SIZE, `${label}: the output has the input's size`);
  const { worst, differing } = compareRgba(rgba, expectedPixels());
  console.log(`${label}: output vs native translation: max |Δ| ${worst} level(s), ${differing} of ${rgba.length} channels differ`);
  assert.ok(worst <= PIXEL_TOLERANCE, `${label}: pixels differ from the native translation by ${worst} levels`);
}

const canvasSize = (page, selector) => page.locator(selector).evaluate((canvas) => ({ width: canvas.width, height: canvas.height }));
const alertText = (page) => page.locator('#alert-text').textContent();

/** Opens the model card in the page's dialog and closes it again: its heading, and the picture it shows (where from, its width). */
async function shownCard(page) {
  await page.click('#model-card');
  await page.locator('#card-dialog').waitFor({ state: 'visible' });
  const heading = await page.textContent('#card-body h2');
  const picture = await page.locator('#card-body img').evaluate(async (image) => {
    await image.decode().catch(() => {});
    return { src: image.src.slice(0, 5), width: image.naturalWidth };
  });
  await page.click('#card-close');
  return { heading, picture };
}
const noticeText = (page) => page.locator('#notice-text').textContent();
/** Waits until Video mode is done with its file (made, stopped or failed) and says which. */
async function videoOutcome(page) {
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.video), null, SLOW);
  return page.evaluate(() => document.body.dataset.video);
}


/**
 * The sound of a video file's `bytes`, decoded by Web Audio in the page: length, channels, rate,
 * its first channel's samples, and their frequency (`toneFrequency`).
 */
function soundOf(page, bytes) {
  return page.evaluate(async (base64) => {
    const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const audio = await new OfflineAudioContext(1, 1, 48_000).decodeAudioData(data.buffer);
    return { duration: audio.duration, channels: audio.numberOfChannels, rate: audio.sampleRate, samples: Array.from(audio.getChannelData(0)) };
  }, Buffer.from(bytes).toString('base64')).then((heard) => ({ ...heard, frequency: toneFrequency(heard.samples, heard.rate) }));
}

/** The frame the page's player (`#video-output`) shows at `time` seconds: its pixels, size and the video's length. */
function playedFrame(page, time) {
  return page.evaluate(async (at) => {
    const video = document.getElementById('video-output');
    if (video.readyState < 2) await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
    const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    video.currentTime = at;
    await seeked;
    const canvas = Object.assign(document.createElement('canvas'), { width: video.videoWidth, height: video.videoHeight });
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0);
    return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, rgba: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
  }, time);
}

/** The video "Download video (WebM)" saves, as bytes, and the name it is offered under. */
async function downloadVideo(page, saveAs) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#video-download')]);
  await download.saveAs(saveAs);
  return { name: download.suggestedFilename(), bytes: readFileSync(saveAs) };
}

/**
 * `webm` with its Duration element blanked (made a Void element of the same length), as browsers
 * that record without going back over the file leave it (Chromium now writes one; Firefox and
 * Safari's recordings, and many others, have none).
 */
function withoutDuration(webm) {
  const copy = Buffer.from(webm);
  const at = copy.indexOf(Buffer.from([0x44, 0x89, 0x84])); // Duration, 4 bytes (a float32)
  assert.ok(at > 0, 'the recorded clip has a Duration element to blank');
  copy.set([0xec, 0x85, 0, 0, 0, 0, 0], at); // Void, 5 bytes
  return copy;
}


/**
 * Tries to close `page` as a person closing the tab would, and stays if the browser asks:
 * 'beforeunload' when it asked, 'closed without asking' when the page went.
 */
function closeAndStay(page) {
  const asked = new Promise((resolve) => page.once('dialog', async (dialog) => {
    resolve(dialog.type());
    await dialog.dismiss();
  }));
  const closed = page.waitForEvent('close').then(() => 'closed without asking');
  return page.close({ runBeforeUnload: true }).then(() => Promise.race([asked, closed]));
}

describe('the web app in headless Chromium', () => {
  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    server = await startServer({ models: prepareModels() });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    context.on('request', (request) => requests.push(request.url()));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('preselects the default model and translates a photo on WebGPU like the native code', SLOW, async () => {
    const page = await openPage('?backend=webgpu');
    const state = await waitForEngine(page);
    await shot(page, '01-ready');
    assert.equal(state.engine, 'ready');
    assert.equal(state.backend, 'webgpu', 'Chromium with SwiftShader offers WebGPU when asked for it');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true,
      'the page is cross-origin isolated (serve.py sends COOP/COEP), as multi-threaded WebAssembly needs');
    assert.equal(state.model, 'tiny', 'the index\'s default, though another model is listed first');
    assert.equal(await page.inputValue('#model'), 'tiny');
    assert.match(await page.textContent('#engine-badge'), /WebGPU/);
    assert.equal(await page.locator('#direction option').count(), 1, 'the fixture model has one direction');
    assert.match(await page.textContent('#model-description'), /Imported from the PyTorch checkpoint/, 'the model\'s description');
    assert.equal(await page.locator('#model-card').isVisible(), true, 'a link to the model card');
    const cardUrl = await page.getAttribute('#model-card', 'href');
    assert.equal(cardUrl, `${server.url}models/tiny/MODEL_CARD.md`, 'the card beside the model\'s manifest');
    const card = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    }, cardUrl);
    assert.equal(card.status, 200);
    assert.match(card.type, /^text\/plain/, 'served as text, so a browser shows it in a tab instead of downloading it');
    assert.ok(card.text.startsWith(CARD_TITLE), card.text);

    // Clicked, the card opens in the page, its Markdown shown: headings, bold, a table, the sample grid; HTML stays text.
    await page.click('#model-card');
    await page.locator('#card-dialog').waitFor({ state: 'visible' });
    const shown = await page.locator('#card-body').evaluate(async (body) => {
      const image = body.querySelector('img');
      await image.decode().catch(() => {});
      return {
        heading: body.querySelector('h2')?.textContent,
        strong: body.querySelector('strong')?.textContent,
        paragraph: body.querySelector('p')?.textContent,
        cells: [...body.querySelectorAll('td')].map((cell) => cell.textContent),
        headers: body.querySelectorAll('th').length,
        image: { alt: image.alt, width: image.naturalWidth, height: image.naturalHeight },
        elements: [...body.querySelectorAll('*')].map((node) => node.tagName.toLowerCase()).filter((tag) => !['h2', 'p', 'strong', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img'].includes(tag)),
      };
    });
    assert.deepEqual(shown, {
      heading: 'tiny: a test model',
      strong: 'tests',
      paragraph: 'Random weights imported from PyTorch, for tests of a_to_b. <b>Not bold</b>',
      cells: ['left → right', '1.5'],
      headers: 2,
      image: { alt: 'input and output', width: 20, height: 10 },
      elements: [],
    });
    await shot(page, '01b-model-card');
    assert.equal(await page.getAttribute('#card-raw', 'href'), cardUrl, 'and as text, for a new tab');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#card-dialog').isVisible(), false, 'Escape closes it');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'model-card', 'the focus is back on the link');

    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await shot(page, '02-photo-webgpu');
    await assertMatchesNative(page, 'webgpu');
    assert.match(await page.textContent('#status-text'), /Translated “input\.png” \(48 × 40\).*WebGPU/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'input-tiny-a_to_b.png');
    const saved = join(OUTPUT, 'download.png');
    await download.saveAs(saved);
    assert.deepEqual(pngSize(readFileSync(saved)), INPUT_SIZE, 'the downloaded PNG has the output\'s size');

    await page.click('#photo-view [data-view="slider"]');
    assert.equal(await page.locator('#photo-view .slider').isVisible(), true);
    await page.fill('#photo-view .slider', '30');
    await shot(page, '03-before-after');
    const clip = await page.evaluate(() => getComputedStyle(document.querySelector('#photo-input')).clipPath);
    assert.match(clip, /inset\(0(px)? 70%/, 'the original shows left of the divider');
    await page.close();
  });

  it('automatic: takes the CPU over SwiftShader\'s software WebGPU and says why', SLOW, async () => {
    const page = await openPage(); // nothing chosen yet: 'auto'
    const state = await waitForEngine(page);
    await shot(page, '02-auto-cpu-over-swiftshader');
    assert.equal(await page.inputValue('#backend'), 'auto');
    assert.deepEqual([state.engine, state.backend, state.fallback], ['ready', 'cpu', 'software-webgpu']);
    // Cross-origin isolated: one CPU worker per core (up to 4), sharing each translation.
    const threads = await page.evaluate(() => Math.min(navigator.hardwareConcurrency, 4));
    assert.equal(state.threads, String(threads));
    const threadText = `${threads} thread${threads === 1 ? '' : 's'}`;
    assert.equal(await page.textContent('#engine-badge'), `Running on the processor (CPU), ${threadText}, faster here than software WebGPU`);
    const title = await page.getAttribute('#engine-badge', 'title');
    assert.ok(title.startsWith('Why: the browser\'s WebGPU adapter is a software renderer (SwiftShader); the CPU path is faster'), title);
    assert.equal(await noticeText(page),
      'Translations run on the processor (CPU): the browser\'s WebGPU adapter is a software renderer (SwiftShader); the CPU path is faster.');
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, `automatic (CPU, ${threadText})`);
    assert.match(await page.textContent('#status-text'), /Translated “input\.png” \(48 × 40\).*processor \(CPU\)/);
    await page.close();
  });

  it('works offline after one visit: the page, the translator and the model come from its copies', SLOW, async () => {
    // A site of its own, to take away afterwards.
    const site = await startServer({ models: prepareModels(join(OUTPUT, 'offline-models')) });
    const visit = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    try {
      const page = await visit.newPage();
      await page.goto(`${site.url}?backend=cpu`);
      assert.equal((await waitForEngine(page)).engine, 'ready');
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true)); // installed: the app's files are kept
      await site.stop();

      await page.reload();
      const state = await waitForEngine(page);
      await shot(page, '02b-offline');
      assert.deepEqual([state.engine, state.model], ['ready', 'tiny'], 'the page, the list of models and the model itself, without the site');
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'kept with its isolation headers: the CPU still shares the work');
      assert.equal(await translateFile(page, INPUT_PNG), 'done');
      await assertMatchesNative(page, 'offline');
      const other = await page.evaluate((url) => fetch(url).then(() => 'answered', () => 'failed'), `${site.url}no-such-file.txt`);
      assert.equal(other, 'failed', 'the site is really gone: only what was kept answers');
    } finally {
      await visit.close();
      await site.stop();
    }
  });

  it('takes photos shared with the installed app from another app (its share target) and translates them', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } }); // a service worker of its own
    try {
      const page = await openPage('', own);
      await waitForEngine(page);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, SLOW); // installed, and in charge of the page
      const { manifestUrl, target } = await page.evaluate(async () => {
        const response = await fetch(document.querySelector('link[rel=manifest]').href);
        return { manifestUrl: response.url, target: (await response.json()).share_target };
      });
      assert.deepEqual([target.method, target.enctype], ['POST', 'multipart/form-data']);
      const [field] = target.params.files;
      assert.ok(['image/*', 'video/*', '.zip'].every((type) => field.accept.includes(type)), 'photos, videos and ZIPs can be shared with it');
      const action = new URL(target.action, manifestUrl).href;
      /** What Android does when a person shares files with the app: a POST of the manifest's form to its action, from outside the page. */
      const share = async (photos) => {
        const sharer = await own.newPage();
        await sharer.evaluate(({ action, name, photos }) => {
          const form = Object.assign(document.createElement('form'), { method: 'post', enctype: 'multipart/form-data', action });
          const input = Object.assign(document.createElement('input'), { type: 'file', name, multiple: true });
          const data = new DataTransfer();
          for (const [file, bytes] of photos) data.items.add(new File([new Uint8Array(bytes)], file, { type: 'image/png' }));
          input.files = data.files;
          form.append(input);
          document.body.append(form);
          form.submit();
        }, { action, name: field.name, photos: photos.map(([file, png]) => [file, [...png]]) });
        await sharer.waitForURL(/\?shared=/);
        await waitForEngine(sharer);
        return sharer;
      };

      const shared = await share([['shared-1.png', makePng(30, 20)], ['shared-2.png', makePng(20, 30)]]);
      await shared.waitForFunction(() => document.querySelectorAll('#history-list li').length === 2, null, SLOW);
      assert.deepEqual(await shared.locator('#history-list li span').allTextContents(), ['shared-2.png', 'shared-1.png'], 'both, in the order shared');
      assert.equal(new URL(shared.url()).search, '', 'the address loses "?shared": a reload takes nothing again');
      assert.equal(await shared.evaluate(() => caches.has('unpaired-shared')), false, 'the shared files are not kept once taken');
      await shot(shared, '02c-shared');
      await shared.close();

      const empty = await share([]);
      await empty.waitForFunction(() => !document.querySelector('#notice').hidden, null, SLOW);
      assert.equal(await noticeText(empty), 'Nothing arrived from the other app: share the photos with Unpaired again.');
      assert.equal(await empty.locator('#history-list li').count(), 0);
    } finally {
      await own.close();
    }
  });

  it('takes the files the installed app is opened with ("Open with": its file handlers) and translates them', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    try {
      const page = await openPage('', own);
      await waitForEngine(page);
      const handlers = await page.evaluate(async () => (await (await fetch(document.querySelector('link[rel=manifest]').href)).json()).file_handlers);
      assert.deepEqual(handlers.map(({ action }) => action), ['./']);
      const extensions = Object.values(handlers[0].accept).flat();
      assert.ok(['.jpg', '.png', '.webp', '.mp4', '.webm', '.zip'].every((extension) => extensions.includes(extension)), 'photos, videos and ZIPs open with it');
      await page.close();
      // Headless Chromium installs no app: the launch queue the browser hands an opened app is played by a stand-in, with two photos and a file that cannot be read.
      await own.addInitScript((opened) => {
        const queue = {
          setConsumer: (consumer) => setTimeout(() => consumer({
            files: opened.map(([name, bytes]) => ({
              kind: 'file',
              name,
              getFile: async () => {
                if (!bytes) throw new DOMException('The file was moved', 'NotFoundError');
                return new File([new Uint8Array(bytes)], name, { type: 'image/png' });
              },
            })),
          })),
        };
        Object.defineProperty(window, 'launchQueue', { value: queue, configurable: true }); // Chromium's own is read-only
      }, [['opened-1.png', [...makePng(30, 20)]], ['gone.png', null], ['opened-2.png', [...makePng(20, 30)]]]);
      const launched = await openPage('', own);
      await waitForEngine(launched);
      await launched.waitForFunction(() => document.querySelectorAll('#history-list li').length === 2, null, SLOW);
      assert.deepEqual(await launched.locator('#history-list li span').allTextContents(), ['opened-2.png', 'opened-1.png']);
      assert.equal(await noticeText(launched), 'One file the app was opened with could not be read: open it again.');
    } finally {
      await own.close();
    }
  });

  it('keeps the model in the browser cache: a reload downloads no weights', SLOW, async () => {
    const weights = () => requests.filter((url) => url.endsWith('/tiny/a_to_b.bpk')).length;
    const before = weights();
    assert.ok(before >= 1, 'the first visit downloaded the weights');
    const page = await openPage();
    assert.equal((await waitForEngine(page)).engine, 'ready');
    assert.equal(weights(), before, 'the second visit took them from the cache');
    await page.close();
  });

  it('translates several files in a row and lists each', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
    await page.setInputFiles('#file', [
      { name: 'input.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG) },
      { name: 'second.png', mimeType: 'image/png', buffer: makePng(300, 200) },
      { name: 'third.png', mimeType: 'image/png', buffer: makePng(40, 56) },
    ]);
    await page.waitForFunction(() => document.body.dataset.translations === '3', null, SLOW);
    await shot(page, '04-several-photos');
    const names = await page.locator('#history-list li span').allTextContents();
    assert.deepEqual(names, ['third.png', 'second.png', 'input.png']);
    const { width, height } = await canvasPixels(page, '#photo-output');
    assert.deepEqual({ width, height }, { width: 40, height: 56 }, 'the last one is shown');
    assert.deepEqual(await canvasSize(page, '#history-list li:nth-child(2) canvas'), { width: 128, height: 85 },
      'the list keeps a thumbnail, not the whole picture');

    await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
    await page.getByRole('button', { name: 'Show input.png' }).click();
    await page.waitForFunction(() => document.body.dataset.photo === 'done', null, SLOW);
    await assertMatchesNative(page, 'shown again from the list');
    assert.equal(await page.textContent('#status-text'), '“input.png” (48 × 40) as translated before.');
    const decoded = await picturePixels(page, readFileSync(INPUT_PNG));
    assert.deepEqual((await canvasPixels(page, '#photo-input')).rgba, decoded.rgba, 'with its original beside it, pixel for pixel');
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the translation of second.png' }).click()]);
    assert.equal(saved.suggestedFilename(), 'second-tiny-a_to_b.png');
    assert.deepEqual(pngSize(readFileSync(await saved.path())), { width: 300, height: 200 }, 'the whole translation is downloaded from the list');

    const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    assert.match(zip.suggestedFilename(), /^translations-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.zip$/);
    const { bad, entries } = readZip(await zip.path());
    assert.equal(bad, null, 'every CRC checks out');
    assert.deepEqual(entries.map(({ name, bytes }) => ({ name, size: pngSize(bytes) })), [
      { name: 'input-tiny-a_to_b.png', size: INPUT_SIZE },
      { name: 'second-tiny-a_to_b.png', size: { width: 300, height: 200 } },
      { name: 'third-tiny-a_to_b.png', size: { width: 40, height: 56 } },
    ], 'every translation of the list, whole, in the order translated, named as when downloaded one by one');
    assert.ok(entries[1].bytes.equals(readFileSync(await saved.path())), 'the same PNG as the list\'s Download gives');

    await page.getByRole('button', { name: 'Remove second.png from the list' }).click();
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['third.png', 'input.png']);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Remove input.png from the list',
      'the next item\'s Remove has the focus');
    assert.deepEqual(await canvasSize(page, '#photo-output'), INPUT_SIZE, 'the photo on screen stays');
    const [fewer] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    assert.deepEqual(readZip(await fewer.path()).entries.map(({ name }) => name), ['input-tiny-a_to_b.png', 'third-tiny-a_to_b.png'],
      'a removed photo is left out of the ZIP');

    await page.getByRole('button', { name: 'Clear' }).click();
    assert.equal(await page.locator('#history').isVisible(), false, 'the list is gone');
    assert.equal(await translateFile(page, { name: 'input.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG) }), 'done');
    assert.equal(await translateFile(page, { name: 'input.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG) }), 'done');
    const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    assert.deepEqual(readZip(await again.path()).entries.map(({ name }) => name), ['input-tiny-a_to_b.png', 'input-tiny-a_to_b (2).png'],
      'after Clear, only what was translated since; the same name twice is told apart');
    await page.getByRole('button', { name: 'Remove input.png from the list' }).first().click();
    await page.keyboard.press('Enter'); // the focus moved to the other item's Remove
    assert.equal(await page.locator('#history').isVisible(), false, 'removing the last photo hides the list');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'file', 'and the focus is back on "Choose photos…"');
    await page.close();
  });

  it('shares the translation, and a video made, with other apps where the browser can (the Web Share API with files)', SLOW, async () => {
    const plain = await openPage();
    await waitForEngine(plain);
    assert.equal(await translateFile(plain, INPUT_PNG), 'done');
    assert.equal(await plain.locator('#share').isVisible(), false, 'no Share button where files cannot be shared (Chromium on Linux)');
    await plain.close();

    // A phone's browser, as far as the page can tell: it can share files, and records what it was given.
    const phone = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await phone.addInitScript(() => {
      window.shared = [];
      navigator.canShare = (data) => Boolean(data?.files?.length);
      navigator.share = async ({ files, title }) => {
        if (window.cancelShare) throw new DOMException('Share canceled', 'AbortError');
        window.shared.push({ title, files: await Promise.all(files.map(async (file) => ({ name: file.name, type: file.type, bytes: [...new Uint8Array(await file.arrayBuffer())] }))) });
      };
    });
    const page = await openPage('', phone);
    await waitForEngine(page);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await page.getByRole('button', { name: 'Share…' }).click();
    await page.waitForFunction(() => window.shared.length === 1);
    const [{ title, files }] = await page.evaluate(() => window.shared);
    assert.deepEqual({ title, names: files.map(({ name }) => name), types: files.map(({ type }) => type) },
      { title: 'input-tiny-a_to_b.png', names: ['input-tiny-a_to_b.png'], types: ['image/png'] });
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.ok(Buffer.from(files[0].bytes).equals(readFileSync(await saved.path())), 'the same PNG as "Download PNG" gives');
    await page.evaluate(() => { window.cancelShare = true; });
    await page.getByRole('button', { name: 'Share…' }).click();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#alert').isVisible(), false, 'closing the share sheet is not an error');

    // A video made in Video: shared as the MP4 "Download video" gives.
    await page.evaluate(() => { window.cancelShare = false; });
    const clip = await recordVideo(page, { seconds: 1, png: readFileSync(INPUT_PNG) });
    await page.click('#mode-video');
    assert.equal(await page.isVisible('#video-share'), false, 'nothing to share yet');
    await page.setInputFiles('#video-file', { name: 'clip.webm', mimeType: 'video/webm', buffer: clip });
    assert.equal(await videoOutcome(page), 'done', await alertText(page));
    await page.locator('#video-panel').getByRole('button', { name: 'Share…' }).click();
    await page.waitForFunction(() => window.shared.length === 2);
    const video = (await page.evaluate(() => window.shared))[1];
    assert.deepEqual({ title: video.title, names: video.files.map(({ name }) => name), types: video.files.map(({ type }) => type) },
      { title: 'clip-tiny-a_to_b.mp4', names: ['clip-tiny-a_to_b.mp4'], types: ['video/mp4'] });
    const [made] = await Promise.all([page.waitForEvent('download'), page.click('#video-download')]);
    assert.ok(Buffer.from(video.files[0].bytes).equals(readFileSync(await made.path())), 'the same MP4 as "Download video" gives');
    await phone.close();
  });

  it('keeps a photo shown from the list on screen while more are translated, each listed with its own original', SLOW, async () => {
    const page = await openPage('?backend=cpu&maxSide=2048');
    await waitForEngine(page);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    // Large photos, so each takes a while on the CPU; told apart by their size and their colours.
    const photos = [['wide.png', 2048, 1536], ['tall.png', 1536, 2048]].map(([name, width, height], k) => ({
      name, width, height, colour: (x, y) => [60 + 120 * k, x % 256, y % 256],
    }));
    await page.setInputFiles('#file', photos.map(({ name, width, height, colour }) => ({ name, mimeType: 'image/png', buffer: makePng(width, height, colour) })));
    await page.waitForFunction(() => document.querySelector('#status-text').textContent.startsWith('Translating “wide.png” (1 of 2)'), null, SLOW);
    await page.getByRole('button', { name: 'Show input.png' }).click();
    await page.waitForFunction(() => document.body.dataset.translations === '3', null, SLOW);
    await shot(page, '04-shown-during-a-batch');
    assert.deepEqual(await canvasSize(page, '#photo-input'), INPUT_SIZE, 'the photo the person asked for is still on screen');
    await assertMatchesNative(page, 'shown while others were translated');
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['tall.png', 'wide.png', 'input.png']);
    assert.match(await page.textContent('#status-text'), /^Translated “tall\.png” \(1536 × 2048\) in .*; it is first in the list below\.$/,
      'the last one translated is in the list, not on screen');

    const samplePixels = (selector, points) => page.locator(selector).evaluate((canvas, at) =>
      at.map(([x, y]) => Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3))), points);
    for (const { name, width, height, colour } of photos) {
      await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
      await page.getByRole('button', { name: `Show ${name}` }).click();
      await page.waitForFunction(() => document.body.dataset.photo === 'done', null, SLOW);
      assert.deepEqual(await canvasSize(page, '#photo-input'), { width, height }, `${name}: its own original`);
      assert.deepEqual(await canvasSize(page, '#photo-output'), { width, height }, `${name}: its own translation`);
      const points = [[0, 0], [300, 77], [width - 1, height - 1]];
      assert.deepEqual(await samplePixels('#photo-input', points), points.map(([x, y]) => colour(x, y)), `${name}: the original's pixels`);
      const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      assert.equal(saved.suggestedFilename(), `${name.replace('.png', '')}-tiny-a_to_b.png`);
      assert.deepEqual(pngSize(readFileSync(await saved.path())), { width, height }, `${name}: "Download PNG" saves the translation shown`);
    }
    await page.close();
  });

  it('translates photos dropped anywhere on the page, and a pasted one', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    const files = [['dropped-1.png', makePng(30, 20)], ['dropped-2.png', makePng(20, 30)]].map(([name, png]) => [name, [...png]]);
    const dragging = await page.evaluate((list) => {
      const data = new DataTransfer();
      for (const [name, bytes] of list) data.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, cancelable: true }));
      const shown = document.querySelector('#drop-zone').classList.contains('dragging');
      const drop = new DragEvent('drop', { dataTransfer: data, cancelable: true });
      window.dispatchEvent(drop);
      return { shown, opened: !drop.defaultPrevented, after: document.querySelector('#drop-zone').classList.contains('dragging') };
    }, files);
    assert.deepEqual(dragging, { shown: true, opened: false, after: false }, 'the drop zone lights up, and the browser does not open the file itself');
    await page.waitForFunction(() => document.body.dataset.translations === '2', null, SLOW);
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['dropped-2.png', 'dropped-1.png']);

    await page.evaluate((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, cancelable: true }));
    }, [...makePng(24, 24)]);
    await page.waitForFunction(() => document.body.dataset.translations === '3', null, SLOW);
    assert.match(await page.textContent('#status-text'), /^Translated “image\.png” \(24 × 24\)/);
    await page.close();
  });

  it('translates the pictures of a chosen folder, at every level, and leaves the other files out', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    const trip = join(OUTPUT, 'folder-pick', 'trip');
    rmSync(join(OUTPUT, 'folder-pick'), { recursive: true, force: true });
    mkdirSync(join(trip, 'day 2'), { recursive: true });
    writeFileSync(join(trip, 'one.png'), makePng(60, 40));
    writeFileSync(join(trip, 'day 2', 'two.png'), makePng(40, 60));
    writeFileSync(join(trip, 'notes.txt'), 'hello');
    await page.setInputFiles('#folder', trip);
    await page.waitForFunction(() => document.body.dataset.translations === '2', null, SLOW);
    await shot(page, '04d-folder');
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['one.png', 'two.png'], 'in path order: day 2/two.png, then one.png');
    assert.equal(await noticeText(page), 'From “trip”: 2 pictures; 1 other file left out.');
    assert.equal(await page.locator('#alert').isVisible(), false, 'a file the person did not pick is no error');

    const notes = join(OUTPUT, 'folder-pick', 'notes-only');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'notes.txt'), 'hello');
    await page.setInputFiles('#folder', notes);
    await page.waitForFunction(() => !document.querySelector('#alert').hidden, null, SLOW);
    assert.equal(await alertText(page), 'There are no pictures in “notes-only” (JPEG, PNG, WebP or GIF files).');
    await page.close();
  });

  it('translates photos added while the one on screen is translated again (after a change of backend)', SLOW, async () => {
    const page = await openPage('?backend=cpu&maxSide=2048');
    await waitForEngine(page);
    assert.equal(await translateFile(page, { name: 'big.png', mimeType: 'image/png', buffer: makePng(2048, 1536, (x, y) => [x % 256, y % 256, 30]) }), 'done');
    await page.selectOption('#backend', 'auto'); // a new translator: the photo on screen is translated again
    await page.waitForFunction(() => document.querySelector('#status-text').textContent.startsWith('Translating “big.png”'), null, SLOW);
    await page.setInputFiles('#file', INPUT_PNG);
    await page.waitForFunction(() => document.body.dataset.translations === '3', null, SLOW);
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['input.png', 'big.png', 'big.png']);
    await page.close();
  });

  it('stops a long batch on request: the photo being translated is kept, the rest dropped; the time left is told, and closing the page meanwhile asks first', SLOW, async () => {
    const page = await openPage('?backend=cpu&maxSide=2048');
    await waitForEngine(page);
    assert.equal(await page.locator('#photo-stop').isVisible(), false, 'nothing to stop');
    const big = makePng(2048, 1536, (x, y) => [x % 256, y % 256, 90]);
    await page.setInputFiles('#file', ['one', 'two', 'three', 'four'].map((name) => ({ name: `${name}.png`, mimeType: 'image/png', buffer: big })));
    await page.waitForFunction(() => document.querySelector('#status-text').textContent.startsWith('Translating “one.png” (1 of 4)'), null, SLOW);
    await shot(page, '04c-stop-offered');
    assert.equal(await closeAndStay(page), 'beforeunload', 'closing the page while photos wait: the browser asks first');
    // From the second photo on, the time the rest may take.
    await page.waitForFunction(() => document.querySelector('#status-text').textContent.startsWith('Translating “two.png”'), null, SLOW);
    assert.match(await page.textContent('#status-text'), /^Translating “two\.png” \(2 of 4, about (\d+ ms|\d+\.\d s|\d+ min \d+ s) left\)…$/);
    await page.getByRole('button', { name: 'Stop the rest' }).click();
    await page.waitForFunction(() => document.querySelector('#status-text').textContent.startsWith('Stopped'), null, SLOW);
    assert.equal(await page.textContent('#status-text'), 'Stopped: 2 photos were not translated.');
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['two.png', 'one.png'], 'the one under way is finished and listed');
    assert.equal(await page.evaluate(() => document.body.dataset.translations), '2');
    assert.equal(await page.locator('#photo-stop').isVisible(), false);

    // The next photos are a batch of their own.
    await page.setInputFiles('#file', [INPUT_PNG, INPUT_PNG]);
    await page.waitForFunction(() => document.body.dataset.translations === '4', null, SLOW);
    assert.match(await page.textContent('#status-text'), /^Translated “input\.png” \(48 × 40\)/);
    assert.equal(await closeAndStay(page), 'closed without asking', 'nothing waiting: no question');
  });

  it('scales photos down to the largest side chosen', SLOW, async () => {
    const page = await openPage('?backend=cpu'); // the CPU is quicker than software WebGPU at this size
    await waitForEngine(page);
    assert.equal(await translateFile(page, { name: 'wide.png', mimeType: 'image/png', buffer: makePng(600, 400) }), 'done');
    const size = async (selector) => {
      const { width, height } = await canvasPixels(page, selector);
      return { width, height };
    };
    assert.deepEqual(await size('#photo-output'), { width: 512, height: 341 }, 'the default largest side is 512');
    assert.deepEqual(await size('#photo-input'), { width: 512, height: 341 }, 'the original is shown at the size translated');
    await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
    await page.selectOption('#max-side', '256');
    await page.waitForFunction(() => document.body.dataset.photo === 'done', null, SLOW);
    assert.deepEqual(await size('#photo-output'), { width: 256, height: 171 }, 'the photo on screen is translated again at the new size');
    await page.close();
  });

  it('recovers when the GPU device is lost', SLOW, async () => {
    const page = await openPage('?backend=webgpu');
    await waitForEngine(page);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    const worker = page.workers().find((w) => w.url().endsWith('/translator-worker.js'));
    // What a driver reset or an unplugged GPU does: the device is destroyed under the translator.
    const destroyed = await worker.evaluate(() =>
      import(new URL('./pkg/unpaired.js', self.location.href).href).then((m) => m.Translator.loseWebGpuDevice()));
    assert.equal(destroyed, true);
    assert.equal(await translateFile(page, INPUT_PNG), 'done', 'the next photo is still translated');
    await shot(page, '05-device-lost-recovered');
    assert.match(await noticeText(page), /graphics card stopped responding/);
    assert.equal(await page.evaluate(() => document.body.dataset.backend), 'webgpu', 'a new device on the GPU');
    await assertMatchesNative(page, 'webgpu after recovery');
    await page.close();
  });

  it('the CPU override translates the same, and each choice is remembered', SLOW, async () => {
    const page = await openPage('?backend=webgpu');
    assert.equal((await waitForEngine(page)).backend, 'webgpu');
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await page.selectOption('#backend', 'cpu');
    // The translator restarts on the CPU and translates the photo on screen again.
    await page.waitForFunction(() => document.body.dataset.backend === 'cpu' && document.body.dataset.translations === '2', null, SLOW);
    await shot(page, '06-cpu');
    assert.match(await page.textContent('#engine-badge'), /CPU/);
    assert.match(await page.textContent('#status-text'), /processor \(CPU\)/);
    await assertMatchesNative(page, 'cpu');
    assert.equal(await page.locator('#notice').isVisible(), false, 'choosing the CPU is not a fallback to warn about');
    await page.close();
    const next = await openPage();
    assert.equal((await waitForEngine(next)).backend, 'cpu', 'the choice is remembered');
    await next.selectOption('#backend', 'webgpu');
    await next.waitForFunction(() => document.body.dataset.backend === 'webgpu' && document.body.dataset.engine === 'ready', null, SLOW);
    assert.equal(await next.textContent('#engine-badge'), 'Running on the graphics card (WebGPU)', 'WebGPU by name runs on SwiftShader');
    assert.equal(await next.evaluate(() => document.body.dataset.fallback), undefined);
    await next.selectOption('#backend', 'auto'); // the later tests run on the automatic choice
    await next.waitForFunction(() => document.body.dataset.backend === 'cpu' && document.body.dataset.engine === 'ready', null, SLOW);
    assert.equal(await next.evaluate(() => document.body.dataset.fallback), 'software-webgpu');
    await next.close();
  });

  it('explains a damaged file, a file that is not a picture, a picture too small, and one too large to open', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    const damaged = { name: 'damaged.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG).subarray(0, 100) };
    assert.equal(await translateFile(page, damaged), 'error');
    await shot(page, '07-damaged-file');
    assert.match(await alertText(page), /“damaged\.png” could not be opened: the file seems damaged or incomplete/);
    assert.equal(await page.locator('#alert').isVisible(), true);

    assert.equal(await translateFile(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }), 'error');
    await shot(page, '08-not-a-picture');
    assert.match(await alertText(page), /“notes\.txt” is not a picture/);
    const renamed = { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('shopping: hay, carrots\n') };
    assert.equal(await translateFile(page, renamed), 'error');
    assert.match(await alertText(page), /^“photo\.png” is not a picture this browser can open: its contents are not JPEG, PNG/, 'told by its contents, not its name');

    // An iPhone photo (HEIC), which Chromium does not open, as a picker without a type for it gives it.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(2000, 7)]);
    assert.equal(await translateFile(page, { name: 'IMG_0001.HEIC', mimeType: '', buffer: heic }), 'error');
    assert.match(await alertText(page), /^“IMG_0001\.HEIC” is a HEIC photo \(the format iPhones save in\), which this browser cannot open\. Save it as a JPEG first/);
    // One whose first bytes say nothing, but whose type does.
    assert.equal(await translateFile(page, { name: 'copy.heif', mimeType: 'image/heif', buffer: Buffer.alloc(2000, 7) }), 'error');
    assert.match(await alertText(page), /^“copy\.heif” is a HEIC photo/);

    assert.equal(await translateFile(page, { name: 'dot.png', mimeType: 'image/png', buffer: makePng(4, 4) }), 'error');
    assert.match(await alertText(page), /too small to translate/);

    // 1.6 gigapixels, a valid PNG of 1.7 MB: Chromium refuses to decode it without saying why.
    assert.equal(await translateFile(page, { name: 'panorama.png', mimeType: 'image/png', buffer: makeLargePng(40000, 40000) }), 'error');
    await shot(page, '08b-too-large');
    assert.match(await alertText(page), /“panorama\.png” is 40000 × 40000 pixels \(1,600 megapixels\): more than this browser can open\. Scale it down/);
    await page.click('#mode-camera');
    assert.equal(await page.locator('#alert').isVisible(), false, 'a photo\'s alert goes when the camera is opened');
    await page.click('#mode-photo');

    // The header sizes of Chromium's own JPEG and WebP files (large enough to have a lot of header).
    const sizes = await page.evaluate(async () => {
      const { declaredSize } = await import(new URL('image-header.js', location.href));
      const canvas = Object.assign(document.createElement('canvas'), { width: 321, height: 123 });
      canvas.getContext('2d').fillRect(10, 10, 50, 50);
      const sizeAs = async (type, quality) => {
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, quality));
        return { type: blob.type, ...declaredSize(new Uint8Array(await blob.arrayBuffer())) };
      };
      return [await sizeAs('image/jpeg', 0.9), await sizeAs('image/webp', 0.9), await sizeAs('image/webp', 1)];
    });
    for (const size of sizes) assert.deepEqual(size, { type: size.type, width: 321, height: 123 }, `${size.type}'s header`);
    assert.deepEqual(sizes.map((size) => size.type), ['image/jpeg', 'image/webp', 'image/webp']);

    // The page carries on: the next good photo is translated and the message goes away.
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    assert.equal(await page.locator('#alert').isVisible(), false);
    await page.close();
  });

  it('tells every photo of a batch that could not be translated, together (the first ten listed, the rest counted), and translates the rest', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    await page.setInputFiles('#file', [
      { name: 'first.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
      { name: 'damaged.png', mimeType: 'image/png', buffer: readFileSync(INPUT_PNG).subarray(0, 100) },
      { name: 'dot.png', mimeType: 'image/png', buffer: makePng(4, 4) },
      { name: 'last.png', mimeType: 'image/png', buffer: makePng(60, 50) },
    ]);
    await page.waitForFunction(() => document.body.dataset.translations === '2', null, SLOW);
    await shot(page, '08c-batch-failures');
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['last.png', 'first.png'], 'the good photos are translated');
    assert.equal(await alertText(page), '3 of the 5 photos could not be translated:');
    const items = await page.locator('#alert-list li').allTextContents();
    assert.equal(items.length, 3, items.join(' | '));
    assert.match(items[0], /^“notes\.txt” is not a picture/);
    assert.match(items[1], /^“damaged\.png” could not be opened: the file seems damaged or incomplete/);
    assert.match(items[2], /^“dot\.png” is too small to translate/);
    assert.equal(await page.getAttribute('#alert', 'data-kind'), 'several');
    const details = await page.locator('#alert-details').textContent();
    assert.match(details, /“damaged\.png” could not be opened.*\n {2}\S/, 'each sentence has its technical message under it');
    assert.match(await page.textContent('#status-text'), /^Translated “last\.png” \(60 × 50\)/, 'the status line tells the last one translated');

    // The next photo starts a new batch: the list of failures goes, and a single failure reads as before.
    assert.equal(await translateFile(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }), 'error');
    assert.match(await alertText(page), /^“notes\.txt” is not a picture/);
    assert.equal(await page.locator('#alert-list').isVisible(), false);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    assert.equal(await page.locator('#alert').isVisible(), false);

    // Many failures (a ZIP of iPhone photos, say): the first ten are listed, the rest counted; the details hold all of them.
    const notes = Array.from({ length: 13 }, (_, k) => ({ name: `notes-${k + 1}.txt`, mimeType: 'text/plain', buffer: Buffer.from('hello') }));
    await page.setInputFiles('#file', [...notes, { name: 'good.png', mimeType: 'image/png', buffer: makePng(60, 50) }]);
    await page.waitForFunction(() => document.body.dataset.translations === '4' && document.body.dataset.photo !== 'working', null, SLOW);
    assert.equal(await alertText(page), '13 of the 14 photos could not be translated:');
    const listed = await page.locator('#alert-list li').allTextContents();
    assert.equal(listed.length, 11, listed.join(' | '));
    assert.match(listed[9], /^“notes-10\.txt” is not a picture/);
    assert.equal(listed[10], '…and 3 more: each one is in the technical details below.');
    const detailed = (await page.locator('#alert-details').textContent()).split('\n').filter((line) => !line.startsWith('  '));
    assert.deepEqual(detailed.map((line) => line.match(/^“(.*?)” is not a picture/)?.[1]), notes.map(({ name }) => name),
      'the details hold each failure once, in order, as they were added one by one');
    await page.close();
  });

  it('lets a screen reader hear outcomes at once and a batch\'s progress now and then, not every update of the status line', SLOW, async () => {
    const page = await context.newPage();
    // Every text each region is given, in order: a text node per assignment, so none is coalesced away.
    await page.addInitScript(() => {
      window.said = [];
      document.addEventListener('DOMContentLoaded', () => {
        const observer = new MutationObserver((records) => {
          for (const record of records) {
            for (const node of record.addedNodes) window.said.push({ id: record.target.id, text: node.textContent, at: performance.now() });
          }
        });
        for (const id of ['status-text', 'status-spoken', 'alert-spoken']) observer.observe(document.getElementById(id), { childList: true });
      });
    });
    await page.goto(server.url);
    await waitForEngine(page);
    const said = async (id, since = 0) => (await page.evaluate(() => window.said)).filter((entry) => entry.id === id && entry.at >= since);
    const spokenAtStart = await said('status-spoken');
    assert.match(spokenAtStart.at(-1).text, /^Ready: /, 'the model being ready is heard');
    for (const [k, { text, at }] of spokenAtStart.entries()) {
      if (/ \d+ s$/.test(text)) assert.ok(at - spokenAtStart[k - 1].at >= 9_900, `a timer's tick heard ${at - spokenAtStart[k - 1].at} ms after "${spokenAtStart[k - 1].text}"`);
    }

    const started = await page.evaluate(() => performance.now());
    const photos = Array.from({ length: 12 }, (_, k) => {
      const name = `p${String(k + 1).padStart(2, '0')}`;
      return [4, 8].includes(k + 1)
        ? { name: `${name}.txt`, mimeType: 'text/plain', buffer: Buffer.from('hello') }
        : { name: `${name}.png`, mimeType: 'image/png', buffer: makePng(24 + k, 24) };
    });
    await page.setInputFiles('#file', photos);
    await page.waitForFunction(() => document.body.dataset.translations === '10' && document.body.dataset.photo !== 'working', null, SLOW);
    const took = (await page.evaluate(() => performance.now())) - started;
    const shown = await said('status-text', started);
    const spoken = await said('status-spoken', started);
    console.log(`a batch of 12 in ${took.toFixed(0)} ms: the status line changed ${shown.length} times, ${spoken.length} of them heard`);
    assert.ok(shown.length >= 20, `the status line shows each photo being translated and translated (${shown.length} changes)`);
    assert.equal(spoken[0].text, 'Translating “p01.png” (1 of 12)…', 'the batch starting is heard');
    assert.match(spoken.at(-1).text, /^Translated “p12\.png” \(35 × 24\) in /, 'its end is heard');
    assert.ok(spoken.length <= 2 + Math.floor(took / 10_000), `progress heard at most every 10 s: ${spoken.map(({ text }) => text).join(' | ')}`);
    const alerts = (await said('alert-spoken', started)).map(({ text }) => text);
    assert.equal(alerts.length, 2, alerts.join(' | '));
    assert.match(alerts[0], /^“p04\.txt” is not a picture/, 'the first failure is heard at once');
    assert.match(alerts[1], /^2 of the 12 photos could not be translated: “p08\.txt” is not a picture/, 'and that there are more');
    assert.equal(await alertText(page), '2 of the 12 photos could not be translated:', 'the alert on screen lists them');
    await page.close();
  });

  it('says a photo moved, changed or deleted after it was chosen can no longer be read, and translates the rest', SLOW, async () => {
    const dir = join(OUTPUT, 'gone-pick');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const names = ['first.png', 'changed.png', 'gone.png', 'last.png'];
    for (const name of names) writeFileSync(join(dir, name), name === 'first.png' ? makePng(2048, 1536, (x, y) => [x % 256, y % 256, 90]) : makePng(40, 32));
    const page = await openPage('?backend=cpu&maxSide=2048'); // the first one takes seconds
    await waitForEngine(page);
    await page.setInputFiles('#file', names.map((name) => join(dir, name)));
    // While the first one is translated (the others wait their turn): one file rewritten, one deleted.
    writeFileSync(join(dir, 'changed.png'), makePng(48, 32));
    rmSync(join(dir, 'gone.png'));
    await page.waitForFunction(() => document.body.dataset.translations === '2' && document.body.dataset.photo !== 'working', null, SLOW);
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), ['last.png', 'first.png'], 'the others are translated');
    assert.equal(await alertText(page), '2 of the 4 photos could not be translated:');
    assert.deepEqual(await page.locator('#alert-list li').allTextContents(), [
      '“changed.png” can no longer be read: it was moved, changed or deleted after it was chosen. Choose it again.',
      '“gone.png” can no longer be read: it was moved, changed or deleted after it was chosen. Choose it again.',
    ]);
    await page.close();
  });

  it('explains a model that fails to load and keeps the one that works', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    await page.selectOption('#model', 'broken');
    await page.waitForFunction(() => document.body.dataset.modelError === 'broken' && document.body.dataset.engine === 'ready', null, SLOW);
    assert.equal(await page.evaluate(() => document.body.dataset.model), 'tiny');
    await shot(page, '09-model-failed');
    assert.match(await alertText(page), /The model “broken” could not be loaded: its files are damaged/);
    assert.equal(await page.inputValue('#model'), 'tiny', 'back to the model that works');
    await page.click('#mode-camera');
    await page.click('#mode-photo');
    assert.match(await alertText(page), /The model “broken” could not be loaded/, 'an alert about the model stays whichever the mode');
    assert.equal(await page.locator('#alert').isVisible(), true);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await page.close();
    const next = await openPage();
    assert.equal((await waitForEngine(next)).model, 'tiny', 'a model that failed is not tried first next time');
    await next.close();
  });

  it('opens a model from this computer, translates with it, and explains a folder that is not one', SLOW, async () => {
    const page = await openPage('?backend=cpu');
    await waitForEngine(page);
    const root = join(OUTPUT, 'local-models');
    rmSync(root, { recursive: true, force: true });
    /** A copy of the fixture's web model (with a card) in `root/name`, its weights changed by `alter`. */
    const copyModel = (name, alter = (bytes) => bytes) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(WEB_MODEL, 'manifest.json'), 'utf8'));
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, card: 'MODEL_CARD.md' }));
      writeFileSync(join(dir, 'a_to_b.bpk'), alter(readFileSync(join(WEB_MODEL, 'a_to_b.bpk'))));
      writeFileSync(join(dir, 'MODEL_CARD.md'), '# my own tiny model\n\n![samples](./samples.png)\n');
      writeFileSync(join(dir, 'samples.png'), makePng(20, 10));
      return dir;
    };
    const modelIs = (value) => page.waitForFunction((v) => document.body.dataset.model === v && document.body.dataset.engine === 'ready', value, SLOW);

    const siteModels = await page.locator('#model option').count();
    await page.setInputFiles('#model-folder', copyModel('mine'));
    await modelIs('local-1:tiny');
    await shot(page, '09b-local-model');
    await page.waitForFunction(() => document.querySelector('#model option:checked').textContent === 'tiny (left ↔ right) — kept in this browser', null, SLOW);
    assert.equal(await page.locator('#model option').count(), siteModels + 1, 'beside the models of the site');
    const card = await page.getAttribute('#model-card', 'href');
    assert.match(card, /^blob:/, 'its card, read from the folder');
    await page.click('#model-card');
    await page.locator('#card-dialog').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#card-body h2'), 'my own tiny model', 'the card, from the folder');
    assert.deepEqual(await page.locator('#card-body img').evaluate(async (image) => {
      await image.decode().catch(() => {});
      return { src: image.src.slice(0, 5), width: image.naturalWidth };
    }), { src: 'blob:', width: 20 }, 'its sample grid, read from the folder too');
    const [tab] = await Promise.all([page.waitForEvent('popup'), page.click('#card-raw')]);
    await tab.waitForLoadState();
    assert.match((await tab.textContent('body')).trim(), /^# my own tiny model/, '"Open as text" opens it in a new tab');
    await tab.close();
    await page.click('#card-close');
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, 'a model from this computer');
    // A new translator (another backend) loads it again from the folder's files.
    await page.evaluate(() => { document.body.dataset.engine = 'switching'; });
    await page.selectOption('#backend', 'auto');
    await modelIs('local-1:tiny');
    await page.selectOption('#backend', 'cpu');
    await modelIs('local-1:tiny');

    const refused = async (dir, message) => {
      await page.evaluate(() => { document.querySelector('#alert').hidden = true; });
      await page.setInputFiles('#model-folder', dir);
      await page.waitForFunction(() => !document.querySelector('#alert').hidden, null, SLOW);
      await modelIs('local-1:tiny');
      assert.match(await alertText(page), message);
    };
    const notes = join(root, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'notes.txt'), 'hello');
    await refused(notes, /^“notes” has no manifest\.json, so it is not a model\. Choose the folder/);
    await refused(copyModel('cut', (bytes) => bytes.subarray(0, 1000)), /^“a_to_b\.bpk” in “cut” is 1,000 bytes, but its manifest\.json says 207,372: the files do not belong together/);
    await refused(copyModel('flipped', (bytes) => { const copy = Buffer.from(bytes); copy[5000] ^= 1; return copy; }),
      /^The model “tiny” in “flipped” could not be loaded: its files are damaged or do not belong together\. Export it again/);
    assert.equal(await page.locator('#model option').count(), siteModels + 1, 'a model that failed is not listed');
    await refused(root, /^“local-models” holds several models \(.*\): choose the folder of one of them\./);

    // Opened again: the newer copy replaces the earlier one in the list.
    await page.setInputFiles('#model-folder', join(root, 'mine'));
    await modelIs('local-3:tiny'); // the third folder that held a model
    assert.equal(await page.locator('#model option').count(), siteModels + 1);
    // Kept in this browser: forgotten again, so the pages of the next tests list the site's models only.
    await page.waitForFunction(() => document.querySelector('#model option:checked').textContent.endsWith('kept in this browser'), null, SLOW);
    await page.click('#model-forget');
    await page.waitForFunction(() => document.querySelector('#model-forget').hidden, null, SLOW);
    await page.selectOption('#model', 'tiny');
    await modelIs('tiny');
    await page.close();
  });

  it('opens a model from a ZIP or from its files (chosen, as a phone can, or dropped on the page), and from a dropped folder; translates the photos of a dropped ZIP; lists and forgets the models stored in this browser', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } }); // kept models of its own
    const page = await openPage('?backend=cpu', own);
    await waitForEngine(page);
    const modelIs = (value) => page.waitForFunction((v) => document.body.dataset.model === v && document.body.dataset.engine === 'ready', value, SLOW);
    const manifest = JSON.stringify({ ...JSON.parse(readFileSync(join(WEB_MODEL, 'manifest.json'), 'utf8')), card: 'MODEL_CARD.md' });
    const files = [
      { name: 'manifest.json', bytes: Buffer.from(manifest) },
      { name: 'a_to_b.bpk', bytes: readFileSync(join(WEB_MODEL, 'a_to_b.bpk')) },
      { name: 'MODEL_CARD.md', bytes: Buffer.from('# zipped tiny model\n\n![samples](./samples.png)\n') },
      { name: 'samples.png', bytes: makePng(20, 10) },
    ];
    const zip = makeZip(files.map(({ name, bytes }) => ({ name: `tiny-export/${name}`, bytes })));

    // A ZIP of the model's folder, chosen under "…or a ZIP of it".
    assert.equal(await page.getAttribute('#model-files', 'accept'), '.zip,application/zip,application/x-zip-compressed,.json,.bpk,.md,image/*,.pth,.pt');
    await page.setInputFiles('#model-files', { name: 'tiny-export.zip', mimeType: 'application/zip', buffer: zip });
    await modelIs('local-1:tiny');
    await page.waitForFunction(() => document.querySelector('#model option:checked').textContent === 'tiny (left ↔ right) — kept in this browser', null, SLOW);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, 'a model opened from a ZIP');
    assert.deepEqual(await shownCard(page), { heading: 'zipped tiny model', picture: { src: 'blob:', width: 20 } }, 'its card and the card\'s picture, from the ZIP');

    // The same ZIP dropped on the page opens the model (a newer copy replaces the listed one); it is not taken for photos.
    const drop = (list, folder = null) => page.evaluate(async ({ list, folder }) => {
      const data = new DataTransfer();
      const made = list.map(({ name, bytes, type }) => new File([new Uint8Array(bytes)], name, { type }));
      for (const file of folder ? made.slice(0, 1) : made) data.items.add(file);
      const original = DataTransferItem.prototype.webkitGetAsEntry;
      if (folder) {
        // A synthetic drop cannot hold a folder: its one item stands in for one holding the files, walked as the File and Directory Entries API does.
        const entry = (file) => ({ name: file.name, isFile: true, isDirectory: false, file: (resolve) => resolve(file) });
        const directory = { name: folder, isFile: false, isDirectory: true,
          createReader: () => { let given = false; return { readEntries: (resolve) => { resolve(given ? [] : made.map(entry)); given = true; } }; } };
        DataTransferItem.prototype.webkitGetAsEntry = () => directory;
      }
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
      DataTransferItem.prototype.webkitGetAsEntry = original;
    }, { list: list.map(({ name, bytes, type = '' }) => ({ name, bytes: [...bytes], type })), folder });
    await drop([{ name: 'tiny-export.zip', bytes: zip, type: 'application/zip' }]);
    await modelIs('local-2:tiny');
    assert.equal(await page.locator('#model option', { hasText: 'tiny (left ↔ right) —' }).count(), 1, 'one copy listed');

    // Its files chosen together (no folder: what a phone's file picker gives), then dropped as a folder.
    await page.setInputFiles('#model-files', files.slice(0, 2).map(({ name, bytes }) => ({ name, mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream', buffer: bytes })));
    await modelIs('local-3:tiny');
    await drop(files, 'tiny-export');
    await modelIs('local-4:tiny');
    assert.deepEqual([...new Set(await page.locator('#history-list li span').allTextContents())], ['input.png'],
      'only the photo was translated (again with each model): nothing dropped, samples.png included');

    // A ZIP of photos is not a model: said, and the model in use stays. Dropped on the page, its pictures are translated.
    const holiday = makeZip([{ name: 'holiday/beach.png', bytes: makePng(8, 8) }, { name: 'holiday/notes.txt', bytes: Buffer.from('x') }, { name: 'holiday/sea.png', bytes: makePng(12, 8) }]);
    await page.evaluate(() => { document.querySelector('#alert').hidden = true; });
    await page.setInputFiles('#model-files', { name: 'holiday.zip', mimeType: 'application/zip', buffer: holiday });
    await page.waitForFunction(() => !document.querySelector('#alert').hidden, null, SLOW);
    assert.equal(await alertText(page), '“holiday.zip” holds pictures, not a model: to translate them, drop it on the page under “Photos”.');
    await modelIs('local-4:tiny');
    await shot(page, '09c-model-zip-refused');
    // Each picture is read from the ZIP when its turn comes: a damaged one fails alone, named, and the next one is translated.
    const holidayDamaged = makeZip([{ name: 'holiday/beach.png', bytes: makePng(8, 8) }, { name: 'holiday/notes.txt', bytes: Buffer.from('x') },
      { name: 'holiday/reef.png', bytes: makePng(10, 8) }, { name: 'holiday/sea.png', bytes: makePng(12, 8) }], { compression: 'stored' });
    holidayDamaged[holidayDamaged.indexOf(Buffer.from('holiday/reef.png')) + 'holiday/reef.png'.length + 20] ^= 0x55;
    const before = await page.locator('#history-list li').count();
    await page.evaluate(() => { document.querySelector('#alert').hidden = true; });
    await drop([{ name: 'holiday.zip', bytes: holidayDamaged, type: 'application/zip' }]);
    await page.waitForFunction((n) => document.querySelectorAll('#history-list li').length === n + 2 && document.body.dataset.photo !== 'working', before, SLOW);
    assert.deepEqual((await page.locator('#history-list li span').allTextContents()).slice(0, 2), ['sea.png', 'beach.png'], 'its pictures, in name order (the newest first)');
    assert.equal(await noticeText(page), 'From “holiday.zip”: 3 pictures; 1 other file left out.');
    assert.equal(await alertText(page), '“reef.png” in “holiday.zip” is damaged: it cannot be read from the ZIP file.');
    await modelIs('local-4:tiny');

    // "Stored in this browser": the site's model downloaded, and the two kept from this computer, each with its size; "Forget" on a kept one not in use takes it off the model list too.
    const other = makeZip([
      { name: 'other/manifest.json', bytes: Buffer.from(JSON.stringify({ ...JSON.parse(manifest), name: 'other', card: undefined })) },
      { name: 'other/a_to_b.bpk', bytes: files[1].bytes },
    ]);
    await page.setInputFiles('#model-files', { name: 'other.zip', mimeType: 'application/zip', buffer: other });
    await modelIs('local-5:other');
    await page.waitForFunction(() => document.querySelectorAll('#stored-list li').length === 3, null, SLOW);
    await page.click('#stored-summary');
    // The site's weights; tiny's weights, card and the card's picture; other's weights.
    const [siteBytes, tinyBytes, otherBytes] = [files[1].bytes.length, files[1].bytes.length + files[2].bytes.length + files[3].bytes.length, files[1].bytes.length];
    const kB = (bytes) => `${Math.round(bytes / 1e3)} kB`;
    assert.equal(await page.textContent('#stored-summary'), `Stored in this browser: 3 models, ${kB(siteBytes + tinyBytes + otherBytes)}`);
    const storedRows = () => page.locator('#stored-list li').evaluateAll((items) => items.map((item) => [...item.children].map((part) => part.textContent)));
    assert.deepEqual((await storedRows()).map(([name, about, button]) => [name, about.replace(/, kept .*/, ''), button]), [
      ['tiny (left ↔ right)', `${kB(siteBytes)}, downloaded from this site`, 'Forget'],
      ['tiny (left ↔ right)', `${kB(tinyBytes)}, from this computer`, 'Forget'],
      ['other (left ↔ right) (in use)', `${kB(otherBytes)}, from this computer`, 'Forget'],
    ]);
    assert.match((await storedRows())[1][1], /^\d+ kB, from this computer, kept \S/, 'and the day it was kept');
    assert.deepEqual(await page.evaluate(async () => {
      const cache = await caches.open('unpaired-models-v1');
      return Promise.all((await cache.keys()).map(async (request) => (await cache.match(request)).headers.get('content-length')));
    }), [String(siteBytes)], 'the site model\'s size is kept with its weights, so the list reads no weights');
    await shot(page, '09d-stored-list');
    await page.click('#stored-list li:nth-child(2) button');
    await page.waitForFunction(() => document.querySelectorAll('#stored-list li').length === 2, null, SLOW);
    assert.equal(await page.locator('#model option', { hasText: 'tiny (left ↔ right) —' }).count(), 0, 'off the list of models');
    assert.equal(await noticeText(page), '“tiny” is no longer kept in this browser, nor in the list of models. Its files on this computer are untouched.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'stored-summary', 'the focus stays in the list');
    await page.reload();
    await waitForEngine(page);
    await modelIs('local-1:other');
    const storedNames = () => page.locator('#stored-list li span:first-child').allTextContents();
    assert.deepEqual(await storedNames(), ['tiny (left ↔ right)', 'other (left ↔ right) (in use)'], 'forgotten for good');

    // "Forget" on the site's model deletes its downloaded weights; then on the model in use, kept from this computer.
    await page.click('#stored-summary');
    await page.click('#stored-list li:first-child button');
    await page.waitForFunction(() => document.querySelectorAll('#stored-list li').length === 1, null, SLOW);
    assert.equal(await noticeText(page), '“tiny” is no longer stored in this browser: it is downloaded again when it is next used.');
    assert.equal(await page.evaluate(async () => (await (await caches.open('unpaired-models-v1')).keys()).length), 0, 'its weights are gone from the cache');
    await page.click('#stored-list li button');
    await page.waitForFunction(() => document.querySelector('#stored').hidden, null, SLOW);
    assert.equal(await page.isVisible('#model-forget'), false, 'the model in use is no longer kept');
    // Next visit: the site's model, downloaded again.
    await page.reload();
    await modelIs('tiny');
    await page.waitForFunction(() => document.querySelectorAll('#stored-list li').length === 1, null, SLOW);
    assert.deepEqual(await storedNames(), ['tiny (left ↔ right) (in use)']);
    await own.close();
  });

  it('opens generators saved by the PyTorch CycleGAN code (.pth, both formats; a pair; the checkpoints folder), translates as PyTorch does, and explains files it cannot use', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } }); // kept models of its own
    const page = await openPage('', own);
    await waitForEngine(page);
    const pytorch = (name) => readFileSync(join(ROOT, 'tests', 'fixtures', 'pytorch', name));
    const pth = (name, bytes) => ({ name, mimeType: 'application/octet-stream', buffer: bytes });
    const usingModel = (label) => page.waitForFunction((text) => document.body.dataset.engine === 'ready'
      && document.querySelector('#model option:checked')?.textContent === text, label, SLOW);
    const directions = () => page.locator('#direction option').allTextContents();
    const translatesLikePytorch = async (label, translate = () => translateFile(page, INPUT_PNG)) => {
      assert.equal(await translate(), 'done');
      const { worst, differing } = compareRgba((await canvasPixels(page, '#photo-output')).rgba, expectedPixels());
      console.log(`${label}: output vs PyTorch's: max |Δ| ${worst} level(s), ${differing} channel(s) differ`);
      // f16 weights, as the trainer's import writes by default; a key mapped wrongly is off by far more.
      assert.ok(worst <= 2, `${label}: pixels differ from PyTorch's output by ${worst} levels`);
    };

    // A generator chosen on its own (PyTorch 1.6+'s ZIP format): a one-way model named after the file.
    await page.setInputFiles('#model-files', pth('tiny_G.pth', pytorch('tiny_G.pth')));
    await usingModel('tiny_G (A ↔ B) — kept in this browser');
    assert.deepEqual(await directions(), ['A → B']);
    await translatesLikePytorch('tiny_G.pth');
    assert.equal(await page.locator('#alert').isVisible(), false);

    // The format before PyTorch 1.6 (the published models'), named as they are: the domains come from the name.
    await page.setInputFiles('#model-files', pth('horse2zebra.pth', pytorch('tiny_G_legacy.pth')));
    await usingModel('horse2zebra (horse ↔ zebra) — kept in this browser');
    assert.deepEqual(await directions(), ['horse → zebra']);
    await translatesLikePytorch('horse2zebra.pth (legacy format)');

    // The checkpoints folder the CycleGAN code writes: latest_net_G_A/G_B are opened, the rest left alone.
    const folder = join(OUTPUT, 'pytorch-checkpoints', 'summer2winter');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    for (const [name, from] of [['latest_net_G_A.pth', 'tiny_G.pth'], ['latest_net_G_B.pth', 'tiny_G_wrapped_old.pth'],
      ['latest_net_D_A.pth', 'tiny_D.pth'], ['5_net_G_A.pth', 'tiny_G_affine_block.pth']]) writeFileSync(join(folder, name), pytorch(from));
    writeFileSync(join(folder, 'loss_log.txt'), 'epoch 1\n');
    await page.setInputFiles('#model-folder', folder);
    await usingModel('summer2winter (summer ↔ winter) — kept in this browser');
    assert.deepEqual(await directions(), ['summer → winter', 'winter → summer']);
    await translatesLikePytorch('latest_net_G_B.pth ({"state_dict": …}, with running statistics)', async () => {
      await page.evaluate(() => { document.body.dataset.photo = 'queued'; });
      await page.selectOption('#direction', 'b_to_a'); // the photo on screen is translated again
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.photo), null, SLOW);
      return page.evaluate(() => document.body.dataset.photo);
    });

    // Dropped on the page: a model, not a photo.
    await page.evaluate(([bytes]) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'style_monet.pth'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
    }, [[...pytorch('tiny_G.pth')]]);
    await usingModel('style_monet (photo ↔ monet) — kept in this browser');

    // What cannot be used is said, and the model in use stays.
    const refusals = [
      [[pth('latest_net_D_A.pth', pytorch('tiny_D.pth'))], /^“latest_net_D_A\.pth” is a PatchGAN discriminator \(ndf 8\)/],
      [[pth('unet.pth', pytorch('tiny_unet.pth'))], /^“unet\.pth” is a pix2pix U-Net generator/],
      [[pth('cut.pth', pytorch('tiny_G.pth').subarray(0, 50_000))], /^“cut\.pth” is damaged: it cannot be read as a PyTorch checkpoint\./],
      [[pth('notes.pth', Buffer.from('hello'))], /^“notes\.pth” is not a PyTorch checkpoint this page can read/],
      [[pth('old.pth', pytorch('tiny_G_legacy.pth').subarray(0, 100_000))], /^“old\.pth” is not a PyTorch checkpoint this page can read/],
      [[pth('a.pth', pytorch('tiny_G.pth')), pth('b.pth', pytorch('tiny_G_affine_block.pth'))], /^“a\.pth” and “b\.pth” are generators of different shapes/],
      [['a', 'b', 'c'].map((x) => pth(`${x}.pth`, pytorch('tiny_G.pth'))), /^Choose one PyTorch generator, or two for both directions/],
    ];
    for (const [files, message] of refusals) {
      await page.setInputFiles('#model-files', files);
      await page.waitForFunction(() => !document.getElementById('alert').hidden, null, SLOW);
      assert.match(await alertText(page), message);
      await page.click('#alert-close');
      assert.equal(await page.textContent('#model option:checked'), 'style_monet (photo ↔ monet) — kept in this browser', 'the model in use stays');
    }
    assert.doesNotMatch(await page.textContent('#status-text'), /Converting/, 'the status line is not left busy');

    // Kept in this browser like any model opened from this computer.
    await page.reload();
    await waitForEngine(page);
    const kept = await page.locator('#model option').allTextContents();
    for (const name of ['tiny_G', 'horse2zebra', 'summer2winter', 'style_monet']) assert.ok(kept.some((text) => text.startsWith(`${name} (`)), `${name} kept: ${kept.join(' | ')}`);
    await own.close();
  });

  it('keeps a model opened from this computer across reloads, and forgets it when asked', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } }); // a browser storage of its own
    // The browser's answer when asked to keep this site's storage: no, the first time.
    await own.addInitScript(() => {
      const answers = JSON.parse(sessionStorage.getItem('persistAnswers') ?? '[false, true]');
      navigator.storage.persisted = async () => false;
      navigator.storage.persist = async () => {
        const answer = answers.shift() ?? true;
        sessionStorage.setItem('persistAnswers', JSON.stringify(answers));
        return answer;
      };
    });
    const root = join(OUTPUT, 'kept-models');
    rmSync(root, { recursive: true, force: true });
    const folder = join(root, 'mine');
    mkdirSync(folder, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(WEB_MODEL, 'manifest.json'), 'utf8'));
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ ...manifest, card: 'MODEL_CARD.md' }));
    writeFileSync(join(folder, 'a_to_b.bpk'), readFileSync(join(WEB_MODEL, 'a_to_b.bpk')));
    writeFileSync(join(folder, 'MODEL_CARD.md'), '# kept tiny model\n\n![samples](./pictures/samples.png)\n');
    mkdirSync(join(folder, 'pictures'));
    writeFileSync(join(folder, 'pictures', 'samples.png'), makePng(24, 10));
    writeFileSync(join(folder, 'notes.txt'), 'not part of the model');

    const page = await openPage('?backend=cpu', own);
    const siteModels = (await waitForEngine(page)) && await page.locator('#model option').count();
    const ready = (model) => page.waitForFunction((v) => document.body.dataset.model === v && document.body.dataset.engine === 'ready', model, SLOW);
    const chosenLabel = () => page.locator('#model option:checked').textContent();
    const keptLabel = 'tiny (left ↔ right) — kept in this browser';
    const reload = async () => {
      await page.reload();
      return waitForEngine(page);
    };

    await page.setInputFiles('#model-folder', folder);
    await ready('local-1:tiny');
    await page.waitForFunction((label) => document.querySelector('#model option:checked').textContent === label, keptLabel, SLOW);
    assert.equal(await page.isVisible('#model-forget'), true, '"Forget this model" is offered for a kept model');
    await page.waitForFunction(() => document.body.dataset.storage === 'may-be-cleared');
    assert.equal(await noticeText(page), '“tiny” is kept in this browser, so it is here on your next visit even if its files move (unless the browser clears this site’s data when space runs low). “Forget this model” deletes that copy.',
      'the browser did not promise to keep the site\'s storage');
    const stored = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('unpaired-kept-models');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('models').objectStore('models').getAll();
        get.onsuccess = () => resolve(get.result.map((record) => ({ name: record.name, pictures: Object.keys(record.pictures) })));
      };
    }));
    assert.deepEqual(stored, [{ name: 'tiny', pictures: ['pictures/samples.png'] }], 'the model\'s files and its card\'s picture, nothing else of the folder');

    // The folder goes; after a reload the model is still there, chosen, and translates as before.
    rmSync(folder, { recursive: true, force: true });
    let state = await reload();
    assert.equal(state.model, 'local-1:tiny', 'the kept model is preselected: it was the one in use');
    assert.equal(await chosenLabel(), keptLabel);
    assert.equal(await page.locator('#model option').count(), siteModels + 1);
    await shot(page, '09c-kept-model');
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, 'a model kept in this browser');
    assert.deepEqual(await shownCard(page), { heading: 'kept tiny model', picture: { src: 'blob:', width: 24 } }, 'its card and the picture it shows, from the kept copy');
    // Chosen from the list after another model: still the one preselected next time.
    await page.selectOption('#model', 'tiny');
    await ready('tiny');
    assert.equal(await page.isVisible('#model-forget'), false, 'nothing to forget for a model of the site');
    await page.selectOption('#model', 'local-1:tiny');
    await ready('local-1:tiny');
    assert.equal((await reload()).model, 'local-1:tiny');

    // Forgotten: still usable until the page closes, gone after a reload.
    await page.focus('#model-forget');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#model-forget').hidden, null, SLOW);
    assert.equal(await chosenLabel(), 'tiny (left ↔ right) — from this computer');
    assert.match(await noticeText(page), /^“tiny” is no longer kept in this browser: it stays in the list until the page is closed\./);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'model', 'the focus goes to the model list');
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    state = await reload();
    assert.equal(state.model, 'tiny', 'the site\'s default once the kept model is forgotten');
    assert.equal(await page.locator('#model option').count(), siteModels);

    // A kept copy that turns out damaged: said, not offered again, and the site's model is used.
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(folder, 'a_to_b.bpk'), readFileSync(join(WEB_MODEL, 'a_to_b.bpk')));
    await page.setInputFiles('#model-folder', folder);
    await page.waitForFunction((label) => document.querySelector('#model option:checked').textContent === label, keptLabel, SLOW);
    await page.waitForFunction(() => document.body.dataset.storage === 'lasting');
    assert.equal(await noticeText(page), '“tiny” is kept in this browser, so it is here on your next visit even if its files move. “Forget this model” deletes that copy.',
      'asked again, the browser promised to keep the site\'s storage');
    await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('unpaired-kept-models');
      open.onerror = () => reject(open.error);
      open.onsuccess = async () => {
        const store = () => open.result.transaction('models', 'readwrite').objectStore('models');
        const get = store().get('tiny');
        get.onsuccess = async () => {
          const record = get.result;
          const bytes = new Uint8Array(await record.weights.a_to_b.arrayBuffer());
          bytes[5000] ^= 1;
          record.weights.a_to_b = new Blob([bytes]);
          const put = store().put(record);
          put.onsuccess = () => resolve();
          put.onerror = () => reject(put.error);
        };
      };
    }));
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.modelError === 'local-1:tiny' && document.body.dataset.engine === 'ready', null, SLOW);
    assert.match(await alertText(page), /^The copy of the model “tiny” kept in this browser could not be loaded: it is damaged, so it is no longer kept\. Open the model from its folder again/);
    assert.equal(await page.evaluate(() => document.body.dataset.model), 'tiny');
    assert.equal(await page.locator('#model option').count(), siteModels, 'the damaged copy is off the list');
    assert.equal((await reload()).model, 'tiny');
    assert.equal(await page.locator('#model option').count(), siteModels, 'and not kept');
    await own.close();

    // A browser that keeps nothing (storage off): the model is used all the same, and that is said.
    const noStorage = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await noStorage.addInitScript(() => {
      IDBFactory.prototype.open = () => { throw new DOMException('The user denied permission to access the database.', 'SecurityError'); };
    });
    const plain = await openPage('?backend=cpu', noStorage);
    assert.equal((await waitForEngine(plain)).model, 'tiny', 'a page without storage starts as usual');
    await plain.setInputFiles('#model-folder', folder);
    await plain.waitForFunction(() => document.body.dataset.model === 'local-1:tiny' && !document.querySelector('#notice').hidden, null, SLOW);
    assert.equal(await plain.textContent('#notice-text'), 'This browser could not keep “tiny” for your next visit: open it again then.');
    assert.equal(await plain.locator('#model option:checked').textContent(), 'tiny (left ↔ right) — from this computer');
    assert.equal(await plain.isVisible('#model-forget'), false);
    assert.equal(await translateFile(plain, INPUT_PNG), 'done');
    await noStorage.close();
  });

  it('translates a video frame by frame into an MP4 or a WebM that plays, stops when asked, and explains a file that is not a video', SLOW, async () => {
    const page = await openPage('?backend=cpu');
    await waitForEngine(page);
    const clip = join(OUTPUT, 'clip.webm');
    writeFileSync(clip, withoutDuration(await recordVideo(page, { seconds: 2, png: readFileSync(INPUT_PNG) })));
    assert.equal(await page.evaluate(async (bytes) => {
      const video = document.createElement('video');
      video.src = URL.createObjectURL(new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], { type: 'video/webm' }));
      await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
      return video.duration;
    }, readFileSync(clip).toString('base64')), Infinity, 'the recorded clip does not say its length (the page finds it)');
    await page.click('#mode-video');
    assert.equal(await page.isVisible('#video-panel'), true);
    assert.equal(await page.isHidden('#photo-panel'), true);

    await page.selectOption('#video-fps', '10');
    await page.setInputFiles('#video-file', clip);
    const outcome = await videoOutcome(page);
    await shot(page, '14-video');
    assert.equal(outcome, 'done', await alertText(page));
    assert.match(await page.textContent('#status-text'), /^Translated: 2\d frames in /);
    // An MP4 (the default; Chromium encodes H.264), its sound Opus (Chromium on Linux has no AAC encoder).
    assert.match(await page.textContent('#video-caption'), /^clip-tiny-a_to_b\.mp4: 2\.\d s at 10 frames per second, 48 × 40, with sound$/);
    assert.equal(await page.textContent('#video-download'), 'Download video (MP4)');
    assert.equal(await page.isVisible('#video-share'), false, 'no Share button where files cannot be shared (Chromium on Linux)');
    const made = await downloadVideo(page, join(OUTPUT, 'clip-translated.mp4'));
    assert.equal(made.name, 'clip-tiny-a_to_b.mp4');
    assert.deepEqual(mp4Tracks(made.bytes).map(({ handler, entry }) => `${handler} ${entry.type}`), ['vide avc1', 'soun Opus'], 'an MP4: H.264 video, Opus sound');
    const heard = await soundOf(page, made.bytes);
    console.log(`video sound: ${heard.duration.toFixed(3)} s, ${heard.channels} channel(s), ${heard.frequency.toFixed(1)} Hz`);
    assert.ok(Math.abs(heard.duration - 2) < 0.35, `the sound lasts as long as the video: ${heard.duration} s`);
    assert.ok(Math.abs(heard.frequency - 440) < 10, `the clip's 440 Hz tone: ${heard.frequency} Hz`);
    // The result plays in the browser: its size, its length, and a frame in the middle is the
    // translation of the photo the clip shows (both videos are lossy, so on average, not pixel for pixel).
    const played = await playedFrame(page, 1.05);
    assert.deepEqual({ width: played.width, height: played.height }, INPUT_SIZE);
    assert.ok(Math.abs(played.duration - 2) < 0.35, `about 2 s long: ${played.duration}`);
    // The last frame translated, as the page showed it before encoding (every frame is the same).
    const translated = await canvasPixels(page, '#video-frame');
    const encoding = blockDifference(played.rgba, translated.rgba, played.width);
    const translation = blockDifference(played.rgba, expectedPixels(), played.width);
    const original = blockDifference(played.rgba, (await picturePixels(page, readFileSync(INPUT_PNG))).rgba, played.width);
    console.log(`video frame, 8×8 block means: vs the frame before encoding mean |Δ| ${encoding.toFixed(2)} levels; vs the native translation of the photo ${translation.toFixed(2)}; vs the untranslated photo ${original.toFixed(2)}`);
    assert.ok(encoding < 1.5, `the encoded frame keeps the translated one's colours (mean |Δ| ${encoding.toFixed(2)}: a colour matrix or range mismatch shows as 5 and more)`);
    assert.ok(translation < 4, `the frame is the translation (mean |Δ| ${translation.toFixed(2)})`);
    assert.ok(original > 3 * translation, 'and not the original');


    // The original beside the translation: twice as wide, the photo left, its translation right;
    // saved as a WebM this time.
    await page.check('#video-beside');
    await page.selectOption('#video-fps', '5');
    await page.selectOption('#video-format', 'webm');
    await page.setInputFiles('#video-file', clip);
    assert.equal(await videoOutcome(page), 'done', await alertText(page));
    assert.match(await page.textContent('#video-caption'), /^clip-tiny-a_to_b-beside\.webm: 2\.\d s at 5 frames per second, 96 × 40 \(the original beside the translation\), with sound$/);
    assert.equal(await page.textContent('#video-download'), 'Download video (WebM)');
    const besideFile = await downloadVideo(page, join(OUTPUT, 'clip-beside.webm'));
    assert.equal(besideFile.bytes.subarray(0, 4).toString('hex'), '1a45dfa3', 'a WebM (EBML) file');
    assert.ok(Math.abs((await soundOf(page, besideFile.bytes)).frequency - 440) < 10, 'the WebM has the tone too');
    const pair = await playedFrame(page, 1.1);
    assert.deepEqual([pair.width, pair.height], [96, 40]);
    // Each half's rows, out of the 96-pixel-wide frame.
    const half = (x) => Array.from({ length: 40 }, (_, y) => pair.rgba.slice((y * 96 + x) * 4, (y * 96 + x + 48) * 4)).flat();
    const photo = (await picturePixels(page, readFileSync(INPUT_PNG))).rgba;
    const left = blockDifference(half(0), photo, 48);
    const right = blockDifference(half(48), expectedPixels(), 48);
    console.log(`video, original beside: left half vs the photo ${left.toFixed(2)}, right half vs its translation ${right.toFixed(2)} (8×8 block means)`);
    assert.ok(left < 4 && right < 4, 'the photo on the left, its translation on the right');
    await page.uncheck('#video-beside');

    // Stopped after a few frames: the video holds those.
    await page.selectOption('#video-fps', '30');
    await page.selectOption('#video-format', 'mp4');
    await page.setInputFiles('#video-file', clip);
    await page.waitForFunction(() => /frame [3-9] of/.test(document.getElementById('status-text').textContent), null, SLOW);
    await page.focus('#video-stop');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.video === 'stopped', null, SLOW);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'video-download', 'the focus moves from "Stop" to the video made');
    const stopped = (await page.textContent('#status-text')).match(/^Stopped: the video holds the first (\d+) of (\d+) frames/);
    assert.ok(stopped, await page.textContent('#status-text'));
    assert.ok(Number(stopped[1]) < Number(stopped[2]));
    assert.match(await page.textContent('#video-caption'), new RegExp(`: ${(Number(stopped[1]) / 30).toFixed(1)} s at 30 frames per second`));
    const cut = await soundOf(page, (await downloadVideo(page, join(OUTPUT, 'clip-stopped.mp4'))).bytes);
    assert.ok(Math.abs(cut.duration - Number(stopped[1]) / 30) < 0.1, `the sound is cut with the video: ${cut.duration} s for ${stopped[1]} frames`);
    assert.equal(await page.isHidden('#video-stop'), true);
    assert.deepEqual(await page.evaluate(() => { const { videoFps, videoFormat } = JSON.parse(localStorage.getItem('unpaired.settings')); return { videoFps, videoFormat }; }), { videoFps: 30, videoFormat: 'mp4' }, 'the frame rate and the format are kept');

    // The model, then the direction, changed while a video is made: one video, one translation, so
    // it holds the frames made before, and says why.
    for (const [change, value, madeWith] of [['#model', 'twin', 'tiny'], ['#direction', 'b_to_a', 'twin']]) {
      await page.setInputFiles('#video-file', clip);
      await page.waitForFunction(() => /frame [3-9] of/.test(document.getElementById('status-text').textContent), null, SLOW);
      await page.selectOption(change, value);
      assert.equal(await videoOutcome(page), 'error', `${change} changed`);
      assert.equal(await alertText(page), 'The model or the direction changed while “clip.webm” was translated: the video holds the frames made before.');
      const held = (await page.textContent('#status-text')).match(/^Cut short: the video holds the first (\d+) of (\d+) frames/);
      assert.ok(held && Number(held[1]) >= 3 && Number(held[1]) < Number(held[2]), await page.textContent('#status-text'));
      assert.match(await page.textContent('#video-caption'), new RegExp(`^clip-${madeWith}-a_to_b\\.mp4: ${(Number(held[1]) / 30).toFixed(1)} s at 30 frames per second`), 'named after the model and direction it was made with');
      await page.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.model === 'twin', null, SLOW);
    }
    await page.selectOption('#model', 'tiny'); // kept for the next tests
    await page.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.model === 'tiny', null, SLOW);

    // Not a video; then a video given to the photos.
    const notes = join(OUTPUT, 'notes.mp4');
    writeFileSync(notes, 'these are notes');
    await page.setInputFiles('#video-file', notes);
    await page.waitForFunction(() => document.body.dataset.video === 'error', null, SLOW);
    assert.match(await alertText(page), /^“notes\.mp4” cannot be played in this browser: it is not a video, or one in a format this browser does not play\./);
    assert.equal(await page.isVisible('#video-result'), true, 'the video made before stays');
    await page.click('#mode-photo');
    assert.equal(await page.locator('#alert').isVisible(), false, 'the video\'s alert goes with its mode');
    // A video among the photos goes to "Video", and is translated there.
    await page.setInputFiles('#file', [clip]);
    await page.waitForFunction(() => document.body.dataset.mode === 'video' && document.body.dataset.video === 'done', null, SLOW);
    assert.equal(await page.isVisible('#video-panel'), true);
    assert.match(await page.textContent('#video-caption'), /^clip-tiny-a_to_b\.mp4: /);
    await page.close();
  });

  it('makes a WebM when the browser\'s H.264 encoder fails on the first frames (as a phone\'s may), and says what to do when every encoder fails', SLOW, async () => {
    const failing = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await failing.addInitScript(() => {
      // Encoders that take the configuration, then fail on the first frame: H.264 ones, or all
      // of them once `window.failAll` is set.
      const Real = window.VideoEncoder;
      window.VideoEncoder = class extends Real {
        constructor(init) {
          super(init);
          this.fail = init.error;
        }

        configure(config) {
          this.failing = config.codec.startsWith('avc1') || window.failAll;
          super.configure(config);
        }

        encode(frame, options) {
          if (this.failing) this.fail(new DOMException('Encoding task failed.', 'EncodingError'));
          else super.encode(frame, options);
        }
      };
    });
    const page = await openPage('?backend=cpu', failing);
    await waitForEngine(page);
    const clip = await recordVideo(page, { seconds: 1, png: readFileSync(INPUT_PNG) });
    await page.click('#mode-video');
    const translate = async () => {
      await page.setInputFiles('#video-file', { name: 'clip.webm', mimeType: 'video/webm', buffer: clip });
      return videoOutcome(page);
    };
    assert.equal(await translate(), 'done', await alertText(page));
    assert.match(await page.textContent('#video-caption'), /^clip-tiny-a_to_b\.webm: 1\.\d s at 15 frames per second, 48 × 40, with sound; a WebM: this browser’s H\.264 encoder failed on these frames$/);
    const made = await downloadVideo(page, join(OUTPUT, 'clip-h264-failed.webm'));
    assert.equal(made.bytes.subarray(0, 4).toString('hex'), '1a45dfa3', 'a WebM (EBML) file');
    assert.equal(videoToDecode(made.bytes).chunks.length, Number((await page.textContent('#status-text')).match(/^Translated: (\d+) frames/)[1]), 'every frame, from the first');

    await page.evaluate(() => { window.failAll = true; });
    assert.equal(await translate(), 'error');
    assert.equal(await alertText(page), 'The translated frames could not be made into a video. Try a smaller “Largest side”, or another browser.');
    assert.match(await page.textContent('#alert-details'), /EncodingError: Encoding task failed\./);
    await failing.close();
  });

  it('takes each frame of a video at its time, between key frames far apart too (by playing forward); says where a cut file\'s picture ends; asks before the page is closed mid-way', SLOW, async () => {
    const page = await openPage('?backend=cpu&maxSide=256');
    await waitForEngine(page);
    const taken = [];
    page.on('console', (message) => {
      const counts = message.text().match(/^Unpaired: video frames taken (.*)$/);
      if (counts) taken.push(JSON.parse(counts[1]));
    });
    // 3 s at 30 frames a second with one key frame: a seek to a frame decodes every frame before it.
    const clip = await numberedVideo(page, { width: 1280, height: 720, fps: 30, seconds: 3 });
    await page.click('#mode-video');
    await page.check('#video-beside'); // the original, numbers and all, on the left
    for (const [fps, format] of [[15, 'webm'], [30, 'mp4']]) {
      await page.selectOption('#video-fps', String(fps));
      await page.selectOption('#video-format', format);
      await page.setInputFiles('#video-file', { name: 'numbered.webm', mimeType: 'video/webm', buffer: clip });
      assert.equal(await videoOutcome(page), 'done', await alertText(page));
      const made = await downloadVideo(page, join(OUTPUT, `numbered-${fps}.${format}`));
      assert.equal(made.name, `numbered-tiny-a_to_b-beside.${format}`);
      assertFramesAtTheirTimes(await frameNumbers(page, made.bytes, { share: 0.5 }), { fps, sourceFps: 30, seconds: 3 });
      assert.doesNotMatch(await page.textContent('#status-text'), /no new picture/);
    }
    console.log(`video frames taken, at 15 and 30 frames a second: ${JSON.stringify(taken)}`);
    assert.equal(taken.length, 2);
    assert.ok(taken.every(({ played }) => played > 0), 'frames were taken by playing forward');

    // The clip cut in half (a download broken off): its length is still 3 s, its picture ends at
    // about 1.5 s (the key frame takes more bytes than the others). The last picture is held to
    // the end, and the page says so.
    await page.setInputFiles('#video-file', { name: 'cut.webm', mimeType: 'video/webm', buffer: clip.subarray(0, clip.length >> 1) });
    assert.equal(await videoOutcome(page), 'done', await alertText(page));
    assert.match(await page.textContent('#status-text'), /^Translated: 90 frames in .*“cut\.webm” shows no new picture after [12]\.\d s, so its last one is held from there \(the file may be cut short\)\.$/);

    // A whole file whose sound (3 s) outlasts its picture (1 s): held too, but not called cut short.
    // (About 90 frames at 30 a second: the sound's last Opus packet may reach a little past 3 s.)
    const longSound = await numberedVideo(page, { width: 320, height: 180, fps: 30, seconds: 1, keyEvery: 30, toneSeconds: 3 });
    await page.setInputFiles('#video-file', { name: 'long-sound.webm', mimeType: 'video/webm', buffer: longSound });
    assert.equal(await videoOutcome(page), 'done', await alertText(page));
    assert.match(await page.textContent('#status-text'), /^Translated: 9[01] frames in .*“long-sound\.webm” shows no new picture after (0\.9|1\.0) s while its sound goes on, so its last picture is held from there\.$/);

    // Closing the page while a video is made: the browser asks first; staying, the video is finished.
    await page.setInputFiles('#video-file', { name: 'numbered.webm', mimeType: 'video/webm', buffer: clip });
    await page.waitForFunction(() => /frame [3-9] of/.test(document.getElementById('status-text').textContent), null, SLOW);
    assert.equal(await closeAndStay(page), 'beforeunload');
    await page.waitForFunction(() => document.body.dataset.video === 'done', null, SLOW);
    await page.close(); // nothing under way: no question
    assert.equal(page.isClosed(), true);
  });

  it('reads a model\'s manifest before its weights: a newer format is not downloaded, an oversized file not read', SLOW, async () => {
    const page = await openPage();
    await waitForEngine(page);
    const choose = async (name) => {
      await page.selectOption('#model', name);
      await page.waitForFunction((wanted) => document.body.dataset.modelError === wanted && document.body.dataset.engine === 'ready', name, SLOW);
      assert.equal(await page.evaluate(() => document.body.dataset.model), 'tiny', 'the model that works stays');
    };

    await choose('future');
    await shot(page, '09b-model-newer-format');
    assert.match(await alertText(page), /The model “future” was made by a newer version of Unpaired than this site runs/);
    const asked = (path) => requests.some((url) => url.endsWith(path));
    assert.ok(asked('/models/future/manifest.json'), 'its manifest was read');
    assert.ok(!asked('/models/future/a_to_b.bpk'), 'the weights of a model that cannot be used are not downloaded');

    await choose('oversized');
    assert.match(await alertText(page), /The model “oversized” could not be loaded: a file of it is larger than its description says/);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await page.close();
  });

  it('camera: live frames with a rate, mirror, pause, snapshot, and off when leaving', SLOW, async () => {
    const page = await openPage('?maxSide=256');
    await waitForEngine(page);
    await page.click('#mode-camera');
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 3, null, SLOW);
    assert.match(await page.textContent('#fps'), /\d+(\.\d)? frames per second · \d+(\.\d)? m?s per frame/);
    const { width, height, rgba } = await canvasPixels(page, '#camera-output');
    assert.deepEqual({ width, height }, { width: 256, height: 192 }, 'the fake camera\'s 640×480 at the largest side chosen');
    assert.ok(rgba.some((v, i) => i % 4 !== 3 && v !== rgba[0]), 'the translated frame is not blank');
    await shot(page, '10-camera');

    const mirrored = () => page.evaluate(() => document.querySelector('#camera-view .compare').classList.contains('mirrored'));
    const initial = await mirrored();
    await page.click('#mirror');
    assert.equal(await mirrored(), !initial);

    const frames = () => page.evaluate(() => Number(document.querySelector('#fps').dataset.frames));
    await page.click('#camera-pause');
    await page.waitForFunction(() => document.querySelector('#fps').dataset.busy === 'false', null, SLOW); // the frame under way finishes
    const paused = await frames();
    await page.waitForTimeout(1500);
    assert.equal(await frames(), paused, 'no frames while paused');
    assert.equal(await page.textContent('#fps'), 'Paused');
    await shot(page, '11-camera-paused');

    // Snapshots of the frame on screen (kept still by the pause), mirrored and not: each downloaded and listed as shown.
    const asShown = async (selector) => ((await mirrored()) ? mirroredPixels : (pixels) => pixels)(await canvasPixels(page, selector));
    const snapshots = [];
    for (const mirror of [false, true]) {
      if ((await mirrored()) !== mirror) await page.click('#mirror');
      const [snapshot] = await Promise.all([page.waitForEvent('download'), page.click('#snapshot')]);
      const name = snapshot.suggestedFilename();
      assert.match(name, /^camera-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-tiny-a_to_b\.png$/);
      const saved = readFileSync(await snapshot.path());
      assert.deepEqual(await picturePixels(page, saved), await asShown('#camera-output'), `the translated frame, as shown (mirror ${mirror})`);
      assert.equal(await page.textContent('#status-text'), 'Snapshot saved; it is also in the list of translated photos (Photos).');
      snapshots.push({ name, saved, frame: await asShown('#camera-input') });
      await page.waitForTimeout(1000); // the next one's name is a second later
    }
    await page.click('#camera-pause');
    await page.waitForFunction((n) => Number(document.querySelector('#fps').dataset.frames) > n, paused, SLOW);

    await page.evaluate(() => { window.cameraTracks = document.querySelector('#video').srcObject.getTracks(); });
    await page.click('#mode-photo');
    const off = await page.evaluate(() => ({
      state: document.body.dataset.camera,
      source: document.querySelector('#video').srcObject,
      tracks: window.cameraTracks.map((track) => track.readyState),
    }));
    assert.deepEqual(off, { state: 'off', source: null, tracks: ['ended'] }, 'the camera is switched off');

    const listed = snapshots.map(({ name }) => name.replace('-tiny-a_to_b.png', '.png'));
    assert.deepEqual(await page.locator('#history-list li span').allTextContents(), [...listed].reverse(), 'the snapshots are in the list');
    for (const [k, { frame }] of snapshots.entries()) {
      await page.getByRole('button', { name: `Show ${listed[k]}` }).click();
      await page.waitForFunction(() => document.body.dataset.photo === 'done', null, SLOW);
      assert.deepEqual(await canvasPixels(page, '#photo-input'), frame, 'each with the camera picture it was made from, as shown');
    }
    const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    const { entries } = readZip(await zip.path());
    assert.deepEqual(entries.map(({ name }) => name), snapshots.map(({ name }) => name));
    assert.ok(entries.every(({ bytes }, k) => bytes.equals(snapshots[k].saved)), 'the ZIP holds the PNGs the snapshots downloaded');

    // Leaving camera mode before its picture came: nothing is said of a camera that is off.
    await page.click('#mode-camera');
    await page.click('#mode-photo');
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('#alert').isVisible(), false, 'no alert');
    assert.equal(await page.textContent('#status-text'), 'The camera is off.');
    assert.equal(await page.evaluate(() => document.body.dataset.camera), 'off');
    await page.close();
  });

  it('camera: records the translation as shown (the camera picture beside it and the microphone if chosen) into an MP4 (paused time left out) or a WebM, saved on "Stop recording" and when leaving the mode', SLOW, async () => {
    const page = await openPage('?maxSide=256');
    await waitForEngine(page);
    await page.click('#mode-camera');
    const frames = () => page.evaluate(() => Number(document.querySelector('#fps').dataset.frames ?? 0));
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 2, null, SLOW);
    assert.equal(await page.isEnabled('#camera-record'), true);
    const mirrored = await page.evaluate(() => document.querySelector('#camera-view .compare').classList.contains('mirrored'));
    const pause = async () => {
      await page.click('#camera-pause');
      await page.waitForFunction(() => document.querySelector('#fps').dataset.busy === 'false', null, SLOW); // the frame under way is shown (and recorded)
    };

    // With the camera picture beside the translation and the (fake) microphone's sound: record
    // 1.5 s, pause 1.5 s, resume for 1.5 s, pause again, then stop: the video lasts the 3 s recorded.
    await page.check('#camera-beside');
    await page.check('#camera-sound');
    const started = Date.now();
    // The frames taken before the click are not recorded (those shown, and the one being
    // translated): counted in the same task as the click.
    const first = await page.evaluate(() => {
      document.getElementById('camera-record').click();
      const { frames, busy } = document.querySelector('#fps').dataset;
      return Number(frames) + (busy === 'true' ? 1 : 0);
    });
    assert.equal(await page.getAttribute('#camera-record', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#camera-record'), 'Stop recording');
    assert.equal(await page.isDisabled('#camera-beside'), true, 'one size for the whole recording');
    assert.equal(await page.isDisabled('#camera-sound'), true);
    assert.equal(await page.isDisabled('#camera-format'), true);
    await page.waitForTimeout(1500);
    const pausedAt = Date.now();
    await pause();
    await page.waitForTimeout(1500);
    assert.match(await page.textContent('#camera-record-time'), /^0:0[12]$/, 'the clock stands still while paused');
    await shot(page, '11b-camera-recording');
    const resumedAt = Date.now();
    await page.click('#camera-pause');
    await page.waitForTimeout(1500);
    const pausedAgain = Date.now();
    await pause();
    const shown = await canvasPixels(page, '#camera-output');
    const camera = await canvasPixels(page, '#camera-input');
    const recordedFrames = (await frames()) - first;
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#camera-record')]);
    const stopped = Date.now();
    const name = saved.suggestedFilename();
    assert.match(name, /^camera-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-tiny-a_to_b\.mp4$/);
    const bytes = readFileSync(await saved.path());
    const [video, ...others] = mp4Tracks(bytes);
    assert.deepEqual([video.handler, video.entry.type, ...others.map(({ handler, entry }) => `${handler} ${entry.type}`)], ['vide', 'avc1', 'soun Opus'], 'H.264, and the sound as Opus');
    assert.equal(video.samples.length, recordedFrames, 'every frame taken while recording, once');
    assert.ok(video.samples.every((sample, k) => k === 0 || sample.show > video.samples[k - 1].show), 'in time order');
    const seconds = video.duration / video.timescale;
    const expected = (stopped - started - (resumedAt - pausedAt) - (stopped - pausedAgain)) / 1000;
    console.log(`camera recording: ${video.samples.length} frames, ${seconds.toFixed(2)} s, ${((stopped - started) / 1000).toFixed(2)} s with the pauses, ${expected.toFixed(2)} s without`);
    assert.ok(Math.abs(seconds - expected) < 0.5, `the video lasts the time recorded, pauses left out: ${seconds} s, about ${expected} s`);
    assert.match(await page.textContent('#status-text'), new RegExp(`^The recording is saved: ${name.replace(/\./g, '\\.')} \\(\\d+\\.\\d s, ${recordedFrames} frames, with sound \\(mono\\)\\)\\.$`));
    // The microphone's tone, as long as the video (the clock it was placed on left the pauses out).
    const heard = await soundOf(page, bytes);
    console.log(`camera recording sound: ${heard.duration.toFixed(3)} s, ${heard.channels} channel(s), ${heard.frequency.toFixed(1)} Hz`);
    assert.ok(Math.abs(heard.duration - seconds) < 0.05, `the sound lasts as long as the video: ${heard.duration} s, ${seconds} s`);
    assert.ok(Math.abs(heard.frequency - FAKE_MIC_HZ) < 10, `the microphone's ${FAKE_MIC_HZ} Hz tone: ${heard.frequency} Hz`);
    const said = Number((await page.textContent('#status-text')).match(/\((\d+\.\d) s,/)[1]);
    assert.ok(Math.abs(said - seconds) < 0.051, `the length said (${said} s) is the video's (${seconds} s)`);
    assert.equal(video.samples[0].show, 0, 'the video starts with its first frame');
    // Its last frame is the camera picture and its translation on screen, as shown (mirrored or not).
    const last = await lastFramePixels(page, bytes);
    assert.deepEqual([last.width, last.height], [512, 192], 'twice as wide');
    const half = (x) => Array.from({ length: 192 }, (_, y) => last.rgba.slice((y * 512 + x) * 4, (y * 512 + x + 256) * 4)).flat();
    const asShown = (pixels) => (mirrored ? mirroredPixels(pixels) : pixels).rgba;
    const differences = [blockDifference(half(0), asShown(camera), 256), blockDifference(half(256), asShown(shown), 256)];
    console.log(`camera recording, last frame vs the screen (8×8 block means): camera half ${differences[0].toFixed(2)}, translated half ${differences[1].toFixed(2)} levels`);
    assert.ok(differences.every((difference) => difference < 1.5), `the last frame is the one shown (mean |Δ| ${differences.map((d) => d.toFixed(2))})`);
    assert.equal(await page.textContent('#camera-record'), 'Record');
    assert.equal(await page.isDisabled('#camera-beside'), false);
    assert.equal(await page.isDisabled('#camera-sound'), false);
    await page.uncheck('#camera-beside');

    // Stopped before a frame was recorded (paused all along): nothing to save, and that is said.
    await page.evaluate(() => {
      document.getElementById('camera-record').click();
      document.getElementById('camera-record').click();
    });
    await page.waitForFunction(() => document.body.dataset.recording === 'off', null, SLOW);
    assert.equal(await page.textContent('#status-text'), 'The recording ended before its first frame: there is nothing to save.');
    await page.click('#camera-pause');

    // "Save as" WebM (chosen in Video); leaving the camera while recording saves the recording. The
    // microphone is blocked: the recording goes on without sound, and says why.
    await page.click('#mode-video');
    await page.selectOption('#video-format', 'webm');
    await page.click('#mode-camera');
    assert.equal(await page.inputValue('#camera-format'), 'webm', 'one "Save as", offered in Video and Camera');
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 2, null, SLOW);
    await page.evaluate(() => {
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (asked) => (asked.audio ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : open(asked));
    });
    await page.click('#camera-record');
    await page.waitForFunction(() => document.getElementById('status-text').textContent.includes('without sound'), null, SLOW);
    assert.equal(await page.textContent('#status-text'), 'Recording the translation without sound: the microphone is blocked (allow it for this site in your browser’s settings to record sound). “Stop recording” saves it as a video.');
    await page.waitForFunction((n) => Number(document.querySelector('#fps').dataset.frames) >= n + 3, await frames(), SLOW);
    const [left] = await Promise.all([page.waitForEvent('download'), page.click('#mode-photo')]);
    assert.match(left.suggestedFilename(), /^camera-.*-tiny-a_to_b\.webm$/);
    const webm = readFileSync(await left.path());
    const tracks = child(webm, elements(webm)[1], 0x1654ae6b);
    const [track] = children(webm, tracks);
    assert.equal(child(webm, track, 0x23e383), undefined, 'no default frame duration: each frame lasts until the next');
    assert.equal(children(webm, tracks).length, 1, 'no sound track');
    assert.equal(await page.evaluate(() => document.body.dataset.camera), 'off');
    await page.waitForFunction(() => document.body.dataset.recording === 'off', null, SLOW);
    assert.match(await page.textContent('#status-text'), /^The recording is saved: camera-.*\.webm \(\d+\.\d s, \d+ frames?, no sound \(the microphone is blocked\)\)\.$/);

    // Stopped while the browser still asks for the microphone: saved at once, without sound.
    await page.click('#mode-camera');
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 1, null, SLOW);
    await page.evaluate(() => {
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (asked) => (asked.audio ? new Promise(() => {}) : open(asked));
    });
    await page.click('#camera-record');
    await page.waitForFunction((n) => Number(document.querySelector('#fps').dataset.frames) >= n + 2, await frames(), SLOW);
    await Promise.all([page.waitForEvent('download'), page.click('#camera-record')]);
    await page.waitForFunction(() => document.body.dataset.recording === 'off', null, SLOW);
    assert.match(await page.textContent('#status-text'), /^The recording is saved: camera-.*\.webm \(\d+\.\d s, \d+ frames?, no sound \(the recording ended before the microphone started\)\)\.$/);

    // Closing the page while recording: the browser asks first.
    await page.selectOption('#camera-format', 'mp4'); // chosen in Camera: Video's says so too
    assert.equal(await page.inputValue('#video-format'), 'mp4');
    await page.selectOption('#camera-format', 'webm');
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 1, null, SLOW);
    await page.click('#camera-record');
    await page.waitForFunction((n) => Number(document.querySelector('#fps').dataset.frames) >= n + 2, await frames(), SLOW);
    assert.equal(await closeAndStay(page), 'beforeunload');
    await page.evaluate(() => { // the next tests make MP4s again, without asking for the microphone
      const kept = JSON.parse(localStorage.getItem('unpaired.settings'));
      localStorage.setItem('unpaired.settings', JSON.stringify({ ...kept, videoFormat: 'mp4', recordSound: false }));
    });
    const [dropped] = await Promise.all([page.waitForEvent('download'), page.click('#camera-record')]);
    assert.match(dropped.suggestedFilename(), /\.webm$/);
    await page.close();
  });

  it('camera: a recording\'s sound is in step with its picture (each frame at the time it was taken), after a pause too', SLOW, async () => {
    // A camera and a microphone the test drives: a black picture that turns white, and silence
    // that turns into a tone, in the same task. In the recording, the first white frame and the
    // tone's start are at the same time, within a frame's time and the browser's latencies. The
    // frames are large, so each takes a while to translate: a frame placed when it is shown, not
    // when it was taken, would come that much after the tone.
    const page = await context.newPage();
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.addInitScript(() => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 1280, height: 960 });
      let colour = '#000';
      let tick = 0;
      const paint = () => {
        const context = canvas.getContext('2d');
        context.fillStyle = colour;
        context.fillRect(0, 0, 1280, 960);
        context.fillStyle = tick++ % 2 ? '#808080' : '#7f7f7f'; // a changing corner: a new frame each time
        context.fillRect(0, 0, 2, 2);
      };
      paint();
      setInterval(paint, 10);
      let sound = null;
      window.flash = () => {
        colour = '#fff';
        paint();
        sound.gain.gain.setValueAtTime(1, sound.context.currentTime);
      };
      navigator.mediaDevices.getUserMedia = async (asked) => {
        if (!asked.audio) return canvas.captureStream(60);
        const context = new AudioContext(); // in the click on "Record"
        const tone = context.createOscillator();
        const gain = context.createGain();
        const into = context.createMediaStreamDestination();
        gain.gain.value = 0;
        tone.connect(gain).connect(into);
        tone.start();
        sound = { context, gain };
        await context.resume();
        return into.stream;
      };
    });
    await page.goto(`${server.url}?maxSide=1024`);
    await waitForEngine(page);
    await page.click('#mode-camera');
    await page.waitForFunction(() => Number(document.querySelector('#fps').dataset.frames ?? 0) >= 2, null, SLOW);
    await page.check('#camera-beside');
    await page.check('#camera-sound');
    // A pause before the flash: the sound stands still with the picture.
    await page.click('#camera-record');
    await page.waitForTimeout(800);
    await page.click('#camera-pause');
    await page.waitForTimeout(1000);
    await page.click('#camera-pause');
    await page.waitForTimeout(700);
    const before = await page.evaluate(() => Number(document.querySelector('#fps').dataset.frames));
    await page.evaluate(() => window.flash());
    // However slow the machine: the frame under way at the flash (black), a white one, and one more
    // (frames are counted before they are recorded: once it is counted, the white one is recorded).
    await page.waitForFunction((n) => Number(document.querySelector('#fps').dataset.frames) >= n + 3, before, SLOW);
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#camera-record')]);
    const bytes = readFileSync(await saved.path());
    assert.match(await page.textContent('#status-text'), /, with sound \(mono\)\)\.$/);
    const decode = videoToDecode(bytes);
    const times = decode.chunks.map(({ time }) => time).sort((a, b) => a - b);
    const { numbers: white } = await page.evaluate(readFrames, { ...decode, share: 0.5, bits: 1 }); // the camera half: 1 once white
    const flashed = white.indexOf(1);
    assert.ok(flashed > 0 && white.slice(flashed).every((bit) => bit === 1), `black, then white from one frame on: ${white.join('')}`);
    const { samples, rate } = await soundOf(page, bytes);
    const heard = { onset: (samples.findIndex((sample) => Math.abs(sample) > 0.1) / rate) * 1000 };
    const frameTime = times[flashed] - times[flashed - 1];
    const translated = await page.evaluate(() => document.getElementById('fps').textContent);
    console.log(`camera recording in step: first white frame at ${times[flashed].toFixed(0)} ms (the one before at ${times[flashed - 1].toFixed(0)} ms), the tone from ${heard.onset.toFixed(0)} ms; ${translated}`);
    assert.ok(heard.onset > times[flashed - 1] - 60 && heard.onset < times[flashed] + 60,
      `the tone starts between the last black frame and the first white one (±60 ms): ${heard.onset} ms, frames at ${times[flashed - 1]} and ${times[flashed]} ms (${frameTime} ms apart)`);
    await page.close();
  });

  it('camera: lists the cameras, switches between them, keeps the choice, keeps the one that works, mirrors only the front', SLOW, async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } }); // no choice kept yet
    // The second fake camera faces away from the person, as a phone's back camera says it does.
    await own.addInitScript(() => {
      const settings = MediaStreamTrack.prototype.getSettings;
      MediaStreamTrack.prototype.getSettings = function () {
        const own = settings.call(this);
        return this.label === 'fake_device_1' ? { ...own, facingMode: 'environment' } : own;
      };
    });
    const page = await openPage('?maxSide=256', own);
    await waitForEngine(page);
    const camera = () => page.evaluate(() => {
      const track = document.querySelector('#video').srcObject?.getVideoTracks()[0];
      const select = document.querySelector('#camera-source');
      return {
        track: track?.label ?? null,
        chosen: select.selectedOptions[0]?.textContent ?? null,
        offered: [...select.options].map((option) => option.textContent),
        shown: !document.querySelector('#camera-choice').hidden,
      };
    });
    // Two translated frames from the camera `label`, which the list shows as the one in use.
    const framesFrom = (label) => page.waitForFunction((l) => document.querySelector('#video').srcObject?.getVideoTracks()[0]?.label === l
      && document.querySelector('#camera-source').selectedOptions[0]?.textContent === l
      && Number(document.querySelector('#fps').dataset.frames ?? 0) >= 2, label, SLOW);

    // Whether the toggle is on and the view mirrored.
    const mirror = () => page.evaluate(() => ({
      checked: document.querySelector('#mirror').checked,
      shown: document.querySelector('#camera-view .compare').classList.contains('mirrored'),
    }));

    await page.click('#mode-camera');
    await framesFrom('fake_device_0');
    assert.deepEqual(await camera(), { track: 'fake_device_0', chosen: 'fake_device_0', offered: ['fake_device_0', 'fake_device_1'], shown: true });
    assert.deepEqual(await mirror(), { checked: true, shown: true }, 'a camera facing the person is mirrored at first');

    await page.evaluate(() => { window.firstTracks = document.querySelector('#video').srcObject.getTracks(); });
    await page.selectOption('#camera-source', { label: 'fake_device_1' });
    await framesFrom('fake_device_1');
    assert.deepEqual(await page.evaluate(() => window.firstTracks.map((track) => track.readyState)), ['ended'], 'the first camera is released');
    assert.deepEqual(await mirror(), { checked: false, shown: false }, 'a camera facing away is shown as it is');
    await shot(page, '10b-camera-choice');
    await page.click('#mirror'); // mirrored from now on, for cameras facing away only
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('unpaired.settings'))),
      { camera: await page.evaluate(() => document.querySelector('#camera-source').value), mirrorBack: true });

    await page.reload();
    await waitForEngine(page);
    await page.click('#mode-camera');
    await framesFrom('fake_device_1'); // the choice is kept
    assert.deepEqual(await mirror(), { checked: true, shown: true }, 'the mirror choice for cameras facing away is kept');

    // A camera that cannot start (busy in another app): the page says so and goes on with the one that works.
    await page.evaluate(() => {
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await open(constraints);
        if (stream.getVideoTracks()[0].label === 'fake_device_0') {
          stream.getTracks().forEach((track) => track.stop());
          throw new DOMException('Could not start video source', 'NotReadableError');
        }
        return stream;
      };
    });
    await page.selectOption('#camera-source', { label: 'fake_device_0' });
    await page.locator('#alert').waitFor({ state: 'visible' });
    assert.match(await alertText(page), /another app may be using it/);
    await framesFrom('fake_device_1');
    assert.deepEqual(await camera(), { track: 'fake_device_1', chosen: 'fake_device_1', offered: ['fake_device_0', 'fake_device_1'], shown: true });
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('unpaired.settings')).camera),
      await page.evaluate(() => document.querySelector('#video').srcObject.getVideoTracks()[0].getSettings().deviceId),
      'the camera kept for the next visit is still the one that works');

    // The kept camera is gone (unplugged): the page starts another and says nothing.
    await page.evaluate(() => localStorage.setItem('unpaired.settings', JSON.stringify({ camera: 'unplugged' })));
    await page.reload();
    await waitForEngine(page);
    await page.click('#mode-camera');
    await framesFrom('fake_device_0');
    assert.ok(await page.isHidden('#alert'), 'no error for a kept camera that is gone');
    assert.deepEqual(await mirror(), { checked: true, shown: true }, 'the front camera\'s own mirror choice');
    await own.close();
  });

  it('camera: says so when access is denied', SLOW, async () => {
    const denied = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await denied.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const page = await openPage('', denied);
    await waitForEngine(page);
    await page.click('#mode-camera');
    await page.locator('#alert').waitFor({ state: 'visible' });
    await shot(page, '12-camera-denied');
    assert.match(await alertText(page), /The camera is blocked\. Allow camera access/);
    assert.equal(await page.textContent('#fps'), 'Camera off');
    assert.ok(await page.isHidden('#camera-choice'), 'no list of cameras without access to them');
    await page.click('#mode-photo');
    assert.equal(await page.locator('#alert').isVisible(), false, 'the camera\'s alert goes when the photos are back');
    await denied.close();
  });

  it('says so when no model is installed', SLOW, async () => {
    const empty = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await empty.route('**/models/index.json', (route) => route.fulfill({ contentType: 'application/json', body: '{ "models": [] }' }));
    const page = await openPage('', empty);
    assert.equal((await waitForEngine(page)).engine, 'no-model');
    await shot(page, '13-no-model');
    assert.equal(await page.textContent('#status-text'), 'No translation model is installed on this site yet. You can open one from this computer.');
    assert.match(await page.textContent('#model-description'), /Site owners: export a model/);
    assert.equal(await page.locator('#model-card').isVisible(), false, 'no model, no model card');
    assert.equal(await page.isDisabled('#file'), true);
    assert.equal(await page.isDisabled('#mode-camera'), true);
    // A model from this computer makes the page usable.
    await page.setInputFiles('#model-folder', WEB_MODEL);
    await page.waitForFunction(() => document.body.dataset.engine === 'ready', null, SLOW);
    assert.equal(await page.isDisabled('#file'), false);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, 'a model from this computer, on a site without models');
    await empty.close();
  });

  it('without cross-origin isolation: translates on one CPU thread and says why', SLOW, async () => {
    const open = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    // The same site without its COOP/COEP headers, as a static host that does not send them.
    let closing = false;
    await open.route('**/*', async (route) => {
      try {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        delete headers['cross-origin-opener-policy'];
        delete headers['cross-origin-embedder-policy'];
        await route.fulfill({ response, headers });
      } catch (error) {
        if (!closing) throw error; // else: a request still under way when the context closed
      }
    });
    const page = await openPage('?backend=cpu', open);
    const state = await waitForEngine(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.deepEqual([state.engine, state.backend, state.threads], ['ready', 'cpu', '1']);
    assert.equal(await page.textContent('#engine-badge'), 'Running on the processor (CPU), 1 thread');
    assert.match(await page.getAttribute('#engine-badge', 'title'), /^One thread: the page is not cross-origin isolated/);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await assertMatchesNative(page, 'cpu, one thread');
    closing = true;
    await open.close();
  });

  it('without WebGPU: says so once and translates on the CPU', SLOW, async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const page = await (await plain.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
      await page.goto(server.url);
      const state = await waitForEngine(page);
      assert.deepEqual([state.backend, state.fallback], ['cpu', 'no-webgpu']);
      assert.match(await noticeText(page), /does not offer WebGPU here, so translations run on the processor \(CPU\)/);
      assert.equal(await translateFile(page, INPUT_PNG), 'done');
      await shot(page, '14-no-webgpu');
      await assertMatchesNative(page, 'cpu without WebGPU');
      await page.click('#notice-close');
      assert.equal(await translateFile(page, INPUT_PNG), 'done');
      assert.equal(await page.locator('#notice').isVisible(), false, 'said once, not on every photo');
    } finally {
      await plain.close();
    }
  });

  it('fits a phone-sized screen, with every control labelled and reachable by keyboard', SLOW, async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await openPage('', phone);
    await waitForEngine(page);
    assert.equal(await translateFile(page, INPUT_PNG), 'done');
    await shot(page, '15-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);

    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()))
      .map((el) => el.id || el.outerHTML));
    assert.deepEqual(unlabelled, [], 'controls without a label');

    const reached = new Set();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.dataset.view || ''));
    }
    for (const id of ['model', 'backend', 'max-side', 'mode-photo', 'mode-camera', 'file', 'download', 'side', 'slider']) {
      assert.ok(reached.has(id), `Tab reaches #${id} (reached: ${[...reached].join(', ')})`);
    }
    await phone.close();
  });

  it('can be installed as an app: its manifest and icons load, and Chromium finds nothing missing', SLOW, async () => {
    const page = await openPage();
    const refused = [];
    page.on('console', (message) => { if (/Content Security Policy|manifest/i.test(message.text())) refused.push(message.text()); });
    await waitForEngine(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.ok(manifest.url && manifest.data, 'the manifest was fetched (the Content-Security-Policy allows it)');
    assert.deepEqual(manifest.errors, [], 'the manifest parses');
    assert.equal(new URL(manifest.url).pathname, '/manifest.webmanifest');
    assert.equal(new URL(manifest.manifest.shareTarget.action).pathname, '/share', 'Chromium takes its share target');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // A Playwright context is an incognito profile, where nothing installs: every other reason counts.
    assert.deepEqual(installabilityErrors.filter(({ errorId }) => errorId !== 'in-incognito'), [], 'nothing keeps the page from being installed');
    const { icons } = JSON.parse(manifest.data);
    for (const { src, sizes, type } of icons) {
      const response = await fetch(new URL(src, manifest.url));
      assert.equal(response.status, 200, src);
      assert.equal(response.headers.get('content-type'), type, src);
      if (type === 'image/png') {
        const [width, height] = sizes.split('x').map(Number);
        assert.deepEqual(pngSize(Buffer.from(await response.arrayBuffer())), { width, height }, src);
      }
    }
    assert.deepEqual(refused, [], 'nothing about the manifest was refused');
    await cdp.detach();
    await page.close();
  });

  it('the server sends the cross-origin isolation headers on every response, errors included; a share reaching it goes to the page', async () => {
    for (const [path, status] of [['', 200], ['pkg/unpaired_bg.wasm', 200], ['models/index.json', 200], ['models/tiny/a_to_b.bpk', 200], ['no/such/file', 404]]) {
      const response = await fetch(server.url + path);
      await response.arrayBuffer();
      assert.deepEqual(
        [response.status, response.headers.get('cross-origin-opener-policy'), response.headers.get('cross-origin-embedder-policy')],
        [status, 'same-origin', 'require-corp'], `/${path}`);
    }
    // A share that reaches the server (no service worker yet) is sent to the page, which says nothing arrived; no other POST is taken.
    const shared = await fetch(`${server.url}share`, { method: 'POST', body: new FormData(), redirect: 'manual' });
    assert.deepEqual([shared.status, shared.headers.get('location'), shared.headers.get('cross-origin-opener-policy')], [303, '/?shared=0', 'same-origin']);
    const other = await fetch(`${server.url}index.html`, { method: 'POST', body: 'x' });
    await other.arrayBuffer();
    assert.deepEqual([other.status, other.headers.get('cross-origin-embedder-policy')], [405, 'require-corp']);
  });

  it('asks nothing of any other site, and its Content-Security-Policy forbids it', SLOW, async () => {
    const origin = new URL(server.url).origin;
    const elsewhere = requests.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'));
    assert.deepEqual(elsewhere, [], 'requests to other sites');
    assert.ok(requests.length > 10, `requests were recorded (${requests.length})`);
    const page = await openPage();
    await waitForEngine(page);
    const blocked = await page.evaluate(async () => {
      const violation = new Promise((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }));
      const fetched = await fetch('https://example.com/').then(() => 'fetched', () => 'refused');
      return { fetched, directive: await violation };
    });
    assert.deepEqual(blocked, { fetched: 'refused', directive: 'connect-src' });
    writeFileSync(join(OUTPUT, 'requests.txt'), `${requests.join('\n')}\n`);
    await page.close();
  });
});
