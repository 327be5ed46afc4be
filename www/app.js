// The page: wires the settings, the model list, the translator engine, and the photo, camera and
// video modes together. State a test (or a curious person) can read is mirrored on <body> as data
// attributes: data-engine (starting | loading | ready | no-model | model-failed | failed),
// data-backend (webgpu | cpu), data-threads (CPU workers), data-fallback (why 'auto' or a failed 'webgpu' runs on the CPU:
// software-webgpu | no-webgpu), data-model (in use), data-model-error (the model that just failed),
// data-photo (working | done | error), data-translations (photos translated), data-camera (on | off),
// data-mode (photo | camera | video, once one is chosen), data-video (working | done | stopped | error).

import { CameraMode } from './camera-mode.js';
import { CompareView } from './compare.js';
import { backendName, Engine } from './engine.js';
import { Cancelled } from './errors.js';
import { forgetKept, keepModel, keepStorage, keptModels } from './kept-models.js';
import { readLocalModel } from './local-model.js';
import { ModelCardView, siteResolver } from './model-card.js';
import { chooseModel, downloadedModels, forgetDownloaded, loadIndex, modelLabel } from './model-store.js';
import { PhotoMode } from './photo-mode.js';
import { isCheckpoint } from './pytorch.js';
import { takeLaunchedFiles, takeSharedFiles } from './shared-files.js';
import { StorageListView } from './storage-list.js';
import { loadSettings, saveSetting } from './settings.js';
import { StatusView } from './status.js';
import { VideoMode } from './video-mode.js';
import { CONTAINERS } from './video-writer.js';

const $ = (id) => document.getElementById(id);
const body = document.body.dataset;

const settings = loadSettings();
/** Keeps a choice for this visit (`settings`) and the next ones (localStorage). */
const remember = (key, value) => {
  settings[key] = value;
  saveSetting(key, value);
};
const status = new StatusView();
const cardView = new ModelCardView();
const ui = {
  model: $('model'),
  direction: $('direction'),
  backend: $('backend'),
  maxSide: $('max-side'),
  badge: $('engine-badge'),
  about: $('model-about'),
  description: $('model-description'),
  card: $('model-card'),
  openModel: $('model-folder'),
  openModelFiles: $('model-files'),
  forget: $('model-forget'),
  photoButton: $('mode-photo'),
  cameraButton: $('mode-camera'),
  videoButton: $('mode-video'),
};

let index = { models: [], defaultName: null };
let localModels = []; // models opened from this computer, and those kept in this browser
let loaded = null; // the entry of the model in use

let opened = 0; // models opened from this computer so far: each gets a picker value of its own
/** The model picker's value for an entry: its name, or "local-N:" and its name for one opened from this computer. */
const optionValue = (entry) => (entry.local ? `local-${entry.local.id}:${entry.name}` : entry.name);
/** The saved choice of model for the next visit: its name, or "local:" and its name for one kept in this browser. */
const savedName = (entry) => (entry.local ? `local:${entry.name}` : entry.name);
const localLabel = (entry) => `${modelLabel(entry)} — ${entry.local.kept ? 'kept in this browser' : 'from this computer'}`;
const allModels = () => [...index.models, ...localModels];
const storageList = new StorageListView({ label: modelLabel, onForget: (entry) => (entry.local ? forgetKeptModel(entry) : forgetSiteModel(entry)) });
let storedShown = Promise.resolve();
/** "Stored in this browser" shows the stored models as they are now (one update after the other); resolves once shown. */
function showStored() {
  storedShown = storedShown.then(async () => {
    const downloaded = await downloadedModels(index.models).catch((error) => {
      console.info('Unpaired: the models stored in this browser cannot be listed', error);
      return [];
    });
    storageList.show({ downloaded, kept: localModels.filter((entry) => entry.local.kept), inUse: loaded });
  });
  return storedShown;
}
/** After a "Forget" whose row is gone: the focus stays in the list, else goes to the model picker. */
const focusAfterForget = () => (storageList.box.hidden ? ui.model : storageList.summary).focus();

const engine = new Engine({
  progress: (label, done, total) => status.progress(label, done, total),
  busy: (label) => status.busy(label),
  backend: showBackend,
  model: modelReady,
  notice: (text) => status.tell(text),
});

const current = () => ({
  direction: ui.direction.value,
  maxSide: Number(ui.maxSide.value),
  modelName: loaded?.name ?? 'model',
  mirror: settings.mirror,
  mirrorBack: settings.mirrorBack,
  camera: settings.camera,
  videoFps: settings.videoFps,
  videoBeside: settings.videoBeside,
  videoFormat: settings.videoFormat,
  recordBeside: settings.recordBeside,
  recordSound: settings.recordSound,
});
const onViewChange = (view) => {
  remember('view', view);
  photoCompare.setView(view);
  cameraCompare.setView(view);
};
const photoCompare = new CompareView($('photo-view'), { view: settings.view, onViewChange });
const cameraCompare = new CompareView($('camera-view'), { view: settings.view, onViewChange });
const photo = new PhotoMode({ engine, status, compare: photoCompare, settings: current, onVideo: translateVideo, onModel: openLocalModel });
// One "Save as" for videos and camera recordings, offered in both panels.
const videoFormats = [$('video-format'), $('camera-format')];
for (const select of videoFormats) {
  select.replaceChildren(...Object.entries(CONTAINERS).map(([value, { choice }]) => new Option(choice, value)));
  select.addEventListener('change', () => videoFormats.forEach((other) => { other.value = select.value; }));
}
const camera = new CameraMode({
  engine,
  status,
  compare: cameraCompare,
  settings: current,
  onChoice: remember,
  onCameraChange: (deviceId) => remember('camera', deviceId),
  onSnapshot: (entry, input, output) => photo.listTranslation(entry, input, output),
});
const video = new VideoMode({
  engine,
  status,
  settings: current,
  onChoice: remember,
});

function showBackend({ backend, requested, fallbackReason, fallbackKind, threads, oneThreadReason }) {
  body.backend = backend;
  const fellBack = backend === 'cpu' && requested !== 'cpu';
  const softwareGpu = fellBack && fallbackKind === 'software-webgpu';
  // On the CPU: how many threads, and why only one when that is all it has.
  const threadText = backend === 'cpu' && threads ? `, ${threads} thread${threads === 1 ? '' : 's'}` : '';
  if (threadText) body.threads = String(threads);
  else delete body.threads;
  ui.badge.textContent = `Running on ${backendName(backend)}${threadText}${softwareGpu ? ', faster here than software WebGPU' : ''}`;
  const why = [fellBack && fallbackReason ? `Why: ${fallbackReason}` : '', oneThreadReason ? `One thread: ${oneThreadReason}` : ''];
  ui.badge.title = why.filter(Boolean).join('\n');
  if (!fellBack) {
    delete body.fallback;
    return;
  }
  body.fallback = fallbackKind ?? 'no-webgpu';
  console.info(`Unpaired: running on the CPU (${fallbackReason})`);
  if (softwareGpu) {
    // The browser's WebGPU runs on the processor itself (SwiftShader, llvmpipe…): the CPU path is faster.
    status.tellOnce('software-webgpu', `Translations run on the processor (CPU): ${fallbackReason}.`);
  } else {
    status.tellOnce('no-webgpu', 'This browser does not offer WebGPU here, so translations run on the processor (CPU), which is slower.');
  }
}

function modelReady({ entry, manifest }) {
  loaded = entry;
  const previous = ui.direction.value;
  ui.direction.replaceChildren();
  for (const [direction, from, to] of [['a_to_b', manifest.domain_a, manifest.domain_b], ['b_to_a', manifest.domain_b, manifest.domain_a]]) {
    if (manifest[direction]) ui.direction.add(new Option(`${from} → ${to}`, direction));
  }
  if ([...ui.direction.options].some((option) => option.value === previous)) ui.direction.value = previous;
  ui.model.value = optionValue(entry);
  ui.forget.hidden = !entry.local?.kept;
  showStored();
  const cardUrl = entry.local ? entry.local.cardUrl : manifest.card && new URL(manifest.card, entry.manifestUrl).href;
  showAbout(manifest.description ?? '', cardUrl || null);
  setReady(true);
  body.engine = 'ready';
  body.model = optionValue(entry);
  status.say(`Ready: “${entry.name}” turns ${manifest.domain_a} into ${manifest.domain_b}${manifest.b_to_a && manifest.a_to_b ? ' and back' : ''}. Choose photos or switch to the camera.`);
  if (!camera.running) photo.retranslate();
}

/** The line under the controls: the model's description and a link to its model card, if it has one. */
function showAbout(text, cardUrl) {
  ui.description.textContent = text;
  ui.card.hidden = !cardUrl;
  if (cardUrl) ui.card.href = cardUrl;
  ui.about.hidden = !text && !cardUrl;
}

function setReady(ready) {
  ui.model.disabled = !ready || allModels().length === 0;
  ui.direction.disabled = !ready || ui.direction.options.length < 2;
  ui.cameraButton.disabled = !ready;
  photo.setEnabled(ready);
  video.setEnabled(ready);
}

/** Loads `entry`; if it fails, says why and goes back to the model in use (or the default). */
async function useModel(entry, { chosen = false } = {}) {
  const previous = loaded;
  setReady(false);
  ui.model.value = optionValue(entry);
  body.engine = 'loading';
  delete body.modelError;
  try {
    await engine.useModel(entry);
    // One opened from its folder is saved once it is kept (keepLocal).
    if (chosen && (!entry.local || entry.local.kept)) remember('model', savedName(entry));
  } catch (error) {
    if (error instanceof Cancelled) return;
    loaded = null;
    status.say('The model could not be loaded.');
    status.error(error, `The model “${entry.name}” could not be loaded.`);
    if (settings.model === savedName(entry)) remember('model', null); // do not try it first next time
    if (entry.local?.kept) {
      // A kept copy that cannot be used is not offered again; the folder it came from is untouched.
      forgetKept(entry.name).catch((problem) => console.info('Unpaired: a kept model could not be forgotten', problem));
    }
    if (entry.local) forgetLocal(entry);
    const fallback = previous ?? chooseModel(index, null);
    if (fallback && fallback !== entry) await useModel(fallback);
    else body.engine = 'model-failed';
    body.modelError = optionValue(entry);
    ui.model.disabled = allModels().length === 0;
  }
}

/** Lists a model opened from this computer, or kept in this browser, in the model picker. */
function listLocal(entry) {
  opened += 1;
  entry.local.id = opened;
  localModels.push(entry);
  ui.model.add(new Option(localLabel(entry), optionValue(entry)));
}

function relabel(entry) {
  const option = [...ui.model.options].find((item) => item.value === optionValue(entry));
  if (option) option.textContent = localLabel(entry);
  ui.forget.hidden = !loaded?.local?.kept;
}

/** Keeps a copy of a model opened from this computer in this browser, for the next visits. */
async function keepLocal(entry) {
  try {
    await keepModel(entry);
  } catch (error) {
    console.info('Unpaired: a model could not be kept in this browser', error);
    status.tell(error.message);
    return;
  }
  entry.local.kept = true;
  relabel(entry);
  showStored();
  if (loaded === entry) remember('model', savedName(entry));
  const told = (caveat) => `“${entry.name}” is kept in this browser, so it is here on your next visit even if its files move${caveat}. “Forget this model” deletes that copy.`;
  status.tell(told(''));
  // Asked once kept (Firefox asks the person, who may take a while): a browser that does not promise
  // to keep the site's storage may clear it when space runs low, which the notice then says.
  delete body.storage;
  const lasting = await keepStorage();
  if (!lasting && $('notice-text').textContent === told('')) status.tell(told(' (unless the browser clears this site’s data when space runs low)'));
  body.storage = lasting ? 'lasting' : 'may-be-cleared';
}

/**
 * "Forget this model" (the one in use) or "Forget" in "Stored in this browser": the copy kept in this
 * browser goes. The model in use stays listed until the page is closed; another leaves the list.
 */
async function forgetKeptModel(entry = loaded) {
  if (!entry?.local?.kept) return;
  try {
    await forgetKept(entry.name);
  } catch (error) {
    status.error(error, `This browser could not forget “${entry.name}”. Try again, or clear this site’s data in the browser’s settings.`);
    return;
  }
  entry.local.kept = false;
  if (settings.model === savedName(entry)) remember('model', null);
  const inUse = entry === loaded;
  if (inUse) {
    relabel(entry);
    ui.model.focus(); // the button is gone
    showStored();
  } else {
    forgetLocal(entry); // which shows the list again
    await storedShown;
    focusAfterForget();
  }
  status.tell(inUse
    ? `“${entry.name}” is no longer kept in this browser: it stays in the list until the page is closed. Its files on this computer are untouched.`
    : `“${entry.name}” is no longer kept in this browser, nor in the list of models. Its files on this computer are untouched.`);
}

/** "Forget" for one of the site's models: its downloaded weights go, and are downloaded again when it is next used. */
async function forgetSiteModel(entry) {
  try {
    await forgetDownloaded(entry, index.models);
  } catch (error) {
    status.error(error, `This browser could not forget “${entry.name}”. Try again, or clear this site’s data in the browser’s settings.`);
    return;
  }
  await showStored();
  focusAfterForget();
  status.tell(`“${entry.name}” is no longer stored in this browser: it is downloaded again when it is next used.`);
}

/** Takes a model opened from this computer off the list (it failed, or a newer copy was opened). */
function forgetLocal(entry) {
  localModels = localModels.filter((model) => model !== entry);
  [...ui.model.options].find((option) => option.value === optionValue(entry))?.remove();
  if (entry.local.cardUrl) URL.revokeObjectURL(entry.local.cardUrl);
  showStored();
}

/**
 * Opens a model from this computer (its folder, its files, or a ZIP of it: chosen or dropped),
 * uses it, and keeps a copy in this browser. `picked`: Files, or `{ file, path }` of a dropped
 * folder; `unzipped`: the files of the ZIP among them, where they were read already.
 */
async function openLocalModel(picked, unzipped = null) {
  status.clearAlert();
  let entry;
  try {
    const converting = [...picked].filter((item) => isCheckpoint(item.file ?? item));
    const before = converting.length > 0 ? status.text.textContent : null;
    if (before !== null) status.busy(`Converting ${converting.length === 1 ? `the PyTorch checkpoint “${(converting[0].file ?? converting[0]).name}”` : 'the PyTorch checkpoints'} for this page…`);
    try {
      entry = await readLocalModel(picked, unzipped, (args) => engine.importPytorch(args));
    } finally {
      if (before !== null) status.say(before);
    }
  } catch (error) {
    status.error(error, 'That could not be opened as a model.');
    return;
  }
  listLocal(entry);
  await useModel(entry, { chosen: true });
  if (loaded !== entry) return; // it failed, was said, and is off the list
  // Opened again (a newer export of the same model): the earlier copy leaves the list, and the kept one is replaced.
  for (const same of localModels.filter((model) => model !== entry && model.name === entry.name)) forgetLocal(same);
  await keepLocal(entry);
}

/** A video dropped or pasted among the photos: translated in the Video mode. */
function translateVideo(file) {
  if (video.running) {
    status.tell(`A video is being translated: give “${file.name}” to “Video” when it is done.`);
    return;
  }
  setMode('video');
  video.translate(file);
}

const MODES = ['photo', 'camera', 'video'];

function setMode(mode) {
  for (const each of MODES) {
    $(`mode-${each}`).setAttribute('aria-pressed', String(each === mode));
    $(`${each}-panel`).hidden = each !== mode;
    // What went wrong with a mode left behind is not about what is on screen now.
    if (each !== mode) status.clearAlertFrom(each);
  }
  photo.active = mode === 'photo';
  body.mode = mode;
  if (mode === 'camera') camera.start();
  else camera.stop();
}

function listen() {
  ui.model.addEventListener('change', () => {
    const entry = allModels().find((model) => optionValue(model) === ui.model.value);
    if (!entry) return;
    useModel(entry, { chosen: true });
  });
  for (const input of [ui.openModel, ui.openModelFiles]) {
    input.addEventListener('change', () => {
      const picked = [...input.files];
      input.value = ''; // the same folder again still counts
      if (picked.length > 0) openLocalModel(picked);
    });
  }
  ui.forget.addEventListener('click', () => forgetKeptModel());
  ui.direction.addEventListener('change', () => photo.retranslate());
  ui.backend.addEventListener('change', async () => {
    const backend = ui.backend.value;
    remember('backend', backend);
    setReady(false);
    body.engine = 'starting';
    try {
      await engine.start(backend);
      if (!loaded) setReady(false);
    } catch (error) {
      if (error instanceof Cancelled) return;
      body.engine = 'failed';
      status.error(error, 'The translator could not be switched.');
    }
  });
  ui.maxSide.addEventListener('change', () => {
    remember('maxSide', Number(ui.maxSide.value));
    if (photo.active) photo.rescale();
  });
  ui.photoButton.addEventListener('click', () => setMode('photo'));
  ui.cameraButton.addEventListener('click', () => setMode('camera'));
  ui.videoButton.addEventListener('click', () => setMode('video'));
  ui.card.addEventListener('click', (event) => {
    // A middle click or Ctrl/⌘-click still opens the card as text in a new tab.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || !loaded) return;
    event.preventDefault();
    showCard(loaded);
  });
}

/** The model card of `entry` in the page's dialog: from the site, or from the folder it was opened from. */
async function showCard(entry) {
  const rawUrl = ui.card.href;
  try {
    let text;
    let resolve;
    if (entry.local) {
      text = await entry.local.card.text();
      resolve = (path) => {
        const file = entry.local.fileAt(path);
        return file ? URL.createObjectURL(file) : null;
      };
    } else {
      const response = await fetch(rawUrl);
      if (!response.ok) throw new Error(`${rawUrl}: HTTP ${response.status}`);
      text = await response.text();
      resolve = siteResolver(rawUrl);
    }
    cardView.show(text, resolve, rawUrl);
  } catch (error) {
    status.error(error, 'The model card could not be read.');
  }
}

/** Keeps a copy of the app for visits without a network (sw.js); where that is not possible, the page works as before. */
function workOffline() {
  if (!('serviceWorker' in navigator) || !isSecureContext) return;
  navigator.serviceWorker.register('sw.js').catch((error) => console.info('Unpaired: the page will not work offline', error));
}

async function main() {
  workOffline();
  ui.backend.value = settings.backend;
  ui.maxSide.value = String(settings.maxSide);
  setReady(false);
  listen();
  const indexLoad = loadIndex().catch((error) => {
    status.error(error, 'The list of models could not be read.');
    return { models: [], defaultName: null };
  });
  const keptLoad = keptModels();
  try {
    await engine.start(settings.backend);
  } catch (error) {
    body.engine = 'failed';
    status.say('The translator is not available.');
    status.error(error, 'The translator could not start.');
    return;
  }
  ui.openModel.disabled = false;
  ui.openModelFiles.disabled = false;
  index = await indexLoad;
  for (const entry of index.models) ui.model.add(new Option(modelLabel(entry), entry.name));
  for (const entry of await keptLoad) listLocal(entry);
  // The model chosen last (one kept in this browser too), else the site's default, else a kept one.
  const entry = localModels.find((model) => savedName(model) === settings.model)
    ?? chooseModel(index, settings.model) ?? localModels[0] ?? null;
  if (!entry) {
    body.engine = 'no-model';
    status.say('No translation model is installed on this site yet. You can open one from this computer.');
    showAbout('Site owners: export a model with the trainer into www/models/ (it is listed in www/models/index.json); see the README.', null);
    return;
  }
  await useModel(entry);
  await translateShared();
  takeLaunchedFiles((files, unreadable) => {
    if (unreadable > 0) status.tell(`${unreadable === 1 ? 'One file' : `${unreadable} files`} the app was opened with could not be read: open ${unreadable === 1 ? 'it' : 'them'} again.`);
    if (files.length > 0) photo.add(files);
  });
}

/** Photos (or a video, or a model's ZIP) shared with the installed app from another app: taken as if dropped. Files it is opened with are taken likewise (takeLaunchedFiles). */
async function translateShared() {
  let files;
  try {
    files = await takeSharedFiles();
  } catch (error) {
    status.error(error, 'The files shared with Unpaired could not be read: share them again.');
    return;
  }
  if (files === null) return;
  if (files.length === 0) {
    status.tell('Nothing arrived from the other app: share the photos with Unpaired again.');
    return;
  }
  photo.add(files);
}

main();
