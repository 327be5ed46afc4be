// Photos: chosen with the file picker, dropped on the page (a folder or a ZIP of them too) or
// pasted; translated one after the other; shown beside their original, to download or share; each
// kept in a list to look at again or download, one by one or all in one ZIP. A photo shown again
// from the list stays on screen while the rest are translated.

import { Cancelled, FriendlyError } from './errors.js';
import { droppedFolders, filesInEntries, picturesAmong, picturesFromPicker, picturesOf } from './folders.js';
import { canShareFile, canvasOf, decodeFile, download, drawFitted, drawScaled, fileStamp, paint, readPng, resultName, shareFile, toPng } from './images.js';
import { backendName } from './engine.js';
import { holdsModel } from './local-model.js';
import { isCheckpoint } from './pytorch.js';
import { formatMs } from './status.js';
import { isZip, unzip, zipEntries } from './unzip.js';
import { uniqueNames, zipBlob } from './zip.js';

const $ = (id) => document.getElementById(id);

/** The longest side of a thumbnail in the list, in pixels (shown at 4rem: sharp at 2× zoom). */
const THUMBNAIL_SIDE = 128;

export class PhotoMode {
  /**
   * @param {{ engine, status, compare: import('./compare.js').CompareView,
   *           settings: () => { direction: string, maxSide: number, modelName: string },
   *           onVideo?: (file: File) => void, onModel?: (files: (File | { file: File, path: string })[], unzipped?: { file: File, path: string }[]) => void }} options
   */
  constructor({ engine, status, compare, settings, onVideo = null, onModel = null }) {
    this.engine = engine;
    this.onVideo = onVideo; // a video among the photos is handed to the Video mode
    this.onModel = onModel; // and a model (its folder, its files or a ZIP of it) is opened as the model
    this.status = status;
    this.compare = compare;
    this.settings = settings;
    this.active = true;
    this.queue = [];
    this.running = false; // a batch, or the photo on screen translated again
    this.draining = false; // a batch
    this.stopped = 0; // photos of the running batch dropped by "Stop the rest"
    /** The photo on screen: { name, file, input: ImageData, output: ImageData | null, direction, modelName, saved }. */
    this.shown = null;
    /** The person chose a photo from the list: translations go on without taking the screen from it. */
    this.pinned = false;
    this.translated = 0;
    this.fileInput = $('file');
    this.view = $('photo-view');
    this.historyList = $('history-list');
    /** The list's photos, in the order translated: { name, file, modelName, direction, saved }. */
    this.records = [];
    this.zipButton = $('history-zip');
    this.scratch = document.createElement('canvas'); // where a decoded file is scaled down
    this.stopButton = $('photo-stop');
    this.stopButton.addEventListener('click', () => this.stop());
    // Closing or reloading the page while photos wait for their turn would drop them: the browser asks first.
    window.addEventListener('beforeunload', (event) => {
      if (this.queue.length === 0) return;
      event.preventDefault();
      event.returnValue = ''; // what older browsers look for
    });

    this.fileInput.addEventListener('change', () => {
      this.add([...this.fileInput.files]);
      this.fileInput.value = ''; // choosing the same file again still counts
    });
    this.folderInput = $('folder');
    this.folderInput.addEventListener('change', () => {
      this.addFolder(picturesFromPicker(this.folderInput.files));
      this.folderInput.value = '';
    });
    this.listenForDrops($('drop-zone'));
    document.addEventListener('paste', (event) => {
      if (!this.active) return;
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
    $('download').addEventListener('click', () => this.downloadShown());
    // Phones (and some desktops) can hand a file to another app: the photo gallery, a message.
    this.shareButton = $('share');
    this.shareButton.hidden = !canShareFile('translation.png', 'image/png');
    this.shareButton.addEventListener('click', () => this.shareShown());
    this.zipButton.addEventListener('click', () => this.downloadAll());
    $('history-clear').addEventListener('click', () => this.clearHistory());
  }

  setEnabled(enabled) {
    this.fileInput.disabled = !enabled;
    this.folderInput.disabled = !enabled;
  }

  listenForDrops(zone) {
    const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
    // Dropping anywhere on the page counts; the browser must not open the file instead.
    window.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = this.active ? 'copy' : 'none';
      zone.classList.toggle('dragging', this.active);
    });
    window.addEventListener('dragleave', (event) => {
      if (event.relatedTarget === null) zone.classList.remove('dragging');
    });
    window.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      zone.classList.remove('dragging');
      if (!this.active) return;
      const folders = droppedFolders(event.dataTransfer); // read now: the drop is emptied after this event
      if (folders) filesInEntries(folders).then((walked) => this.addDropped(walked), (error) => this.status.error(error, 'The dropped folder could not be read.', 'photo'));
      else this.add([...event.dataTransfer.files]);
    });
  }

  /** A dropped folder: a model's (it holds a manifest.json, or PyTorch checkpoints) is opened as the model; otherwise its pictures are translated. */
  addDropped(walked) {
    if (this.onModel && walked.found.some(({ file }) => file.name === 'manifest.json' || isCheckpoint(file))) this.onModel(walked.found);
    else this.addFolder(picturesAmong(walked));
  }

  /**
   * ZIPs dropped among the photos: one of a model's folder opens the model; the pictures of any
   * other are translated, as a folder's are, each read from the ZIP only when its turn comes (a
   * ZIP of a thousand photos takes no more memory than the photo being translated, and one
   * damaged photo in it fails alone).
   */
  async addZips(zips) {
    for (const zip of zips) {
      try {
        const entries = await zipEntries(zip, zip.name);
        if (this.onModel && entries.some(({ name }) => name === 'manifest.json')) this.onModel([zip], await unzip(zip, zip.name));
        else this.addFolder({ ...picturesOf(entries.map((entry) => ({ file: entry, path: entry.path }))), folders: [zip.name] });
      } catch (error) {
        this.status.error(error, `“${zip.name}” could not be opened.`, 'photo');
      }
    }
  }

  /**
   * Queues files for translation, in the order given (Files, or pictures of a ZIP: `zipEntries`'
   * entries, read when their turn comes); they are shown as they are translated.
   */
  add(given) {
    // A model's files open the model instead; a ZIP is opened to see what it holds.
    if (this.onModel && holdsModel(given)) {
      this.onModel(given);
      return;
    }
    const zips = given.filter(isZip);
    if (zips.length > 0) this.addZips(zips);
    const chosen = given.filter((file) => !zips.includes(file));
    // A video dropped or pasted here goes to the Video mode (the first one: it takes one at a time).
    const videos = this.onVideo ? chosen.filter((file) => file.type.startsWith('video/')) : [];
    const files = chosen.filter((file) => !videos.includes(file));
    if (videos.length > 0) {
      this.onVideo(videos[0]);
      if (videos.length > 1) this.status.tell(`Videos are translated one at a time: “${videos[0].name}” now; choose the other ${videos.length - 1} under “Video” afterwards.`);
    }
    if (files.length === 0) return;
    if (!this.running) this.status.clearAlert(); // a new batch; a running one keeps telling its failures
    this.pinned = false;
    // Photos added to a batch under way count on from it ("5 of 6"); otherwise a new batch starts.
    const continuing = this.draining || this.queue.length > 0;
    // Chromium notes a picked file's size and time when first asked: asked now, a file moved or
    // changed before its turn says so when read, instead of reading as empty.
    for (const file of files) if (file instanceof Blob) void file.size;
    this.queue.push(...files);
    this.queueTotal = (continuing ? this.queueTotal : 0) + files.length;
    if (!this.running) this.drain();
    else this.showStop();
  }

  /**
   * Queues the pictures found in a folder (or several, or folders and files dropped together);
   * says how many other files were left out, or that there was no picture at all.
   * @param {{ files: (File | { name: string, type: string, open: () => Promise<File> })[], skipped: number, folders: string[] }} found
   */
  addFolder({ files, skipped, folders }) {
    const names = folders.map((name) => `“${name}”`).join(', ') || 'the folder';
    if (files.length === 0) {
      this.status.error(new FriendlyError('no-pictures', `There are no pictures in ${names} (JPEG, PNG, WebP or GIF files).`,
        new Error(`${skipped} other file(s)`)), undefined, 'photo');
      return;
    }
    if (skipped > 0) {
      const others = skipped === 1 ? '1 other file' : `${skipped.toLocaleString('en')} other files`;
      this.status.tell(`From ${names}: ${files.length.toLocaleString('en')} picture${files.length === 1 ? '' : 's'}; ${others} left out.`);
    }
    this.add(files);
  }

  /** "Stop the rest" is offered while photos wait for their turn. */
  showStop() {
    this.stopButton.hidden = this.queue.length === 0;
  }

  /** Drops the photos still waiting; the one being translated finishes and is listed. */
  stop() {
    this.stopped += this.queue.length;
    this.queue = [];
    this.showStop();
  }

  /** Translates the queue, one photo after the other; each one that fails is told, all of them together. */
  async drain() {
    this.running = true;
    this.draining = true;
    this.stopped = 0;
    const failures = [];
    let index = 0;
    let spent = 0; // ms the photos translated so far took, for the time the rest may take
    let timed = 0;
    while (this.queue.length > 0) {
      const item = this.queue.shift(); // a File, or a picture of a ZIP still to be read from it
      this.showStop();
      index += 1;
      const left = timed > 0 ? `, about ${formatMs((spent / timed) * (this.queueTotal - index + 1))} left` : '';
      const count = this.queueTotal > 1 ? ` (${index.toLocaleString('en')} of ${this.queueTotal.toLocaleString('en')}${left})` : '';
      const quoted = `“${item.name || 'The pasted picture'}”`;
      const began = performance.now();
      try {
        const file = item instanceof Blob ? item : await item.open();
        const bitmap = await decodeFile(file);
        let input;
        try {
          input = drawScaled(bitmap, bitmap.width, bitmap.height, this.scratch, this.settings().maxSide, quoted);
        } finally {
          bitmap.close();
          this.scratch.width = 0; // let go of its pixels until the next photo
        }
        await this.translate({ name: file.name || 'pasted.png', file, input, output: null }, count);
        spent += performance.now() - began;
        timed += 1;
      } catch (error) {
        if (error instanceof Cancelled) continue;
        failures.push({ error, fallback: `${quoted} could not be translated.` });
        this.settle(this.queue.length > 0 ? 'photo batch' : null);
        if (failures.length === 1) this.status.error(error, failures[0].fallback, 'photo');
        else this.status.errors(`${failures.length.toLocaleString('en')} of the ${this.queueTotal.toLocaleString('en')} photos could not be translated:`, failures, 'photo');
      }
    }
    this.running = false;
    this.draining = false;
    if (this.stopped > 0) {
      const photos = this.stopped === 1 ? '1 photo was' : `${this.stopped} photos were`;
      this.status.say(`Stopped: ${photos} not translated.`);
    }
  }

  /** Translates the photo on screen again from its file, scaled to the new largest side. */
  rescale() {
    if (this.shown?.file && !this.running) this.add([this.shown.file]);
  }

  /** Translates the photo on screen again (after the model, the direction or the backend changed). */
  async retranslate() {
    if (!this.shown || this.running) return;
    this.running = true;
    this.pinned = false;
    try {
      await this.translate({ ...this.shown, output: null }, '');
    } catch (error) {
      if (!(error instanceof Cancelled)) {
        this.settle();
        this.status.error(error, `“${this.shown.name}” could not be translated.`, 'photo');
      }
    }
    this.running = false;
    if (this.queue.length > 0) this.drain(); // photos added meanwhile
  }

  /** Translates `entry` (its `input`), shows it unless a photo from the list is on screen, and lists it. */
  async translate(entry, count) {
    const { direction, maxSide, modelName } = this.settings();
    document.body.dataset.photo = 'working';
    if (!this.pinned) {
      this.shown = entry;
      this.view.hidden = false;
      paint(this.compare.input, entry.input);
      // Empty, at the photo's size, until its translation is painted: the page does not jump.
      Object.assign(this.compare.output, { width: entry.input.width, height: entry.input.height });
    }
    const first = this.engine.backend === 'webgpu' && !this.warm ? ' (the first one takes longer while the graphics card gets ready)' : '';
    // In a batch, each photo is progress of the batch: a screen reader hears how it gets on now and
    // then, and the last photo's outcome.
    const thread = count ? 'photo batch' : undefined;
    this.status.busy(`Translating “${entry.name}”${count}${first}…`, thread);
    const { image, ms } = await this.engine.translate(entry.input, direction, maxSide);
    this.warm = true;
    Object.assign(entry, { output: image, direction, modelName });
    if (this.shown === entry) paint(this.compare.output, image);
    this.addToHistory(entry);
    const where = this.shown === entry ? '' : '; it is first in the list below';
    this.status.say(`Translated “${entry.name}” (${image.width} × ${image.height}) in ${formatMs(ms)} on ${backendName(this.engine.backend)}${where}.`,
      thread && this.queue.length > 0 ? thread : null);
    this.translated += 1;
    document.body.dataset.translations = String(this.translated);
    document.body.dataset.photo = 'done';
  }

  /** After a failure: the status line says what the page is ready for (the progress display stops). */
  settle(thread = null) {
    document.body.dataset.photo = 'error';
    this.status.say(this.shown?.output ? 'Ready.' : 'Choose a photo to translate.', thread);
  }

  /** Something the person asked for (show, download) failed; a batch being translated keeps its status line. */
  fail(error, fallback) {
    if (this.running) document.body.dataset.photo = 'error';
    else this.settle();
    this.status.error(error, fallback, 'photo');
  }

  async downloadShown() {
    if (this.shown?.saved) await this.downloadSaved(this.shown);
  }

  /** Offers the translation on screen to the system's share sheet, as the PNG a download gives. */
  async shareShown() {
    if (!this.shown?.saved) return;
    const { name, modelName, direction, saved } = this.shown;
    try {
      await shareFile(new File([await saved.output], resultName(name, modelName, direction), { type: 'image/png' }));
    } catch (error) {
      this.fail(error, 'The translation could not be shared.');
    }
  }

  /** Hands over the saved PNG of a translated photo (on screen, or in the list). */
  async downloadSaved({ name, modelName, direction, saved }) {
    try {
      download(await saved.output, resultName(name, modelName, direction));
    } catch (error) {
      this.fail(error, 'The translation could not be saved as a PNG.');
    }
  }

  /** Adds the photo just translated (on screen) to the list, keeping its PNGs as `entry.saved`. */
  addToHistory(entry) {
    entry.saved = this.listTranslation(entry, canvasOf(entry.input), canvasOf(entry.output));
  }

  /**
   * Adds a translation to the list: a photo's, or a camera snapshot's (`file` null), the picture
   * and its translation given as canvases. The list keeps both as PNG files, which the browser
   * may hold outside the page's memory, and a small thumbnail: a long list of large photos does
   * not use up the tab's memory. Returns the PNGs (promises).
   */
  listTranslation({ name, file = null, modelName, direction }, input, output) {
    // toBlob copies the canvas at once; a failed encoding is told when the photo is asked for.
    const saved = { input: toPng(input), output: toPng(output) };
    for (const png of Object.values(saved)) png.catch(() => {});
    const record = { name, file, modelName, direction, saved };
    this.records.push(record);
    const item = document.createElement('li');
    const thumbnail = document.createElement('canvas');
    drawFitted(output, output.width, output.height, thumbnail, THUMBNAIL_SIDE);
    thumbnail.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.textContent = name;
    const actions = document.createElement('div');
    actions.append(
      button('Show', `Show ${name}`, () => this.showSaved(record)),
      button('Download', `Download the translation of ${name}`, () => this.downloadSaved(record)),
    );
    const remove = button('×', `Remove ${name} from the list`, () => this.removeFromHistory(record, item));
    remove.classList.add('remove');
    remove.title = 'Remove from the list';
    item.append(thumbnail, label, actions, remove);
    this.historyList.prepend(item);
    $('history').hidden = false;
    return saved;
  }

  /**
   * Takes one photo out of the list (and so out of "Download all"); the photo on screen stays.
   * Focus moves to the next item's remove button (else the previous one's), so that removing
   * several in a row needs no pointer; after the last one, to "Choose photos…".
   */
  removeFromHistory(record, item) {
    this.records = this.records.filter((kept) => kept !== record);
    const neighbour = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    if (this.records.length === 0) {
      this.clearHistory();
      return;
    }
    neighbour?.querySelector('.remove')?.focus();
  }

  /** Empties and hides the list; its buttons are gone, so the focus goes back to choosing photos. */
  clearHistory() {
    this.historyList.replaceChildren();
    this.records = [];
    $('history').hidden = true;
    this.fileInput.focus();
  }

  /** Puts a photo of the list back on screen; it stays there while other photos are translated. */
  async showSaved(record) {
    this.pinned = true;
    document.body.dataset.photo = 'working';
    try {
      const [input, output] = await Promise.all([record.saved.input.then(readPng), record.saved.output.then(readPng)]);
      // Both at once, so the screen never pairs one photo with another's translation.
      paint(this.compare.input, input);
      paint(this.compare.output, output);
      this.shown = { ...record, input, output };
      this.view.hidden = false;
      this.status.say(`“${record.name}” (${output.width} × ${output.height}) as translated before.`);
      document.body.dataset.photo = 'done';
    } catch (error) {
      this.fail(error, 'This photo could not be shown again.');
    }
  }

  /** Every translation of the list in one ZIP file, in the order translated, named as one by one. */
  async downloadAll() {
    const records = [...this.records];
    if (records.length === 0) return;
    this.zipButton.disabled = true;
    try {
      const names = uniqueNames(records.map(({ name, modelName, direction }) => resultName(name, modelName, direction)));
      const files = await Promise.all(records.map(async ({ saved }, i) => ({ name: names[i], blob: await saved.output })));
      download(await zipBlob(files), `translations-${fileStamp()}.zip`);
    } catch (error) {
      this.fail(error, 'The translations could not be put in a ZIP file.');
    } finally {
      this.zipButton.disabled = false;
    }
  }
}

/** A quiet button showing `text`, named `label` for assistive technology. */
function button(text, label, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'quiet';
  element.textContent = text;
  element.setAttribute('aria-label', label);
  element.addEventListener('click', onClick);
  return element;
}
