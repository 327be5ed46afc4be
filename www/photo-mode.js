// Photos: chosen with the file picker, dropped on the page or pasted; translated one after the
// other; shown beside their original; each kept in a list to look at again or download.

import { Cancelled } from './errors.js';
import { decodeFile, download, drawFitted, drawPng, drawScaled, paint, resultName, toPng } from './images.js';
import { backendName } from './engine.js';
import { formatMs } from './status.js';

const $ = (id) => document.getElementById(id);

/** The longest side of a thumbnail in the list, in pixels (shown at 4rem: sharp at 2× zoom). */
const THUMBNAIL_SIDE = 128;

export class PhotoMode {
  /**
   * @param {{ engine, status, compare: import('./compare.js').CompareView,
   *           settings: () => { direction: string, maxSide: number, modelName: string } }} options
   */
  constructor({ engine, status, compare, settings }) {
    this.engine = engine;
    this.status = status;
    this.compare = compare;
    this.settings = settings;
    this.active = true;
    this.queue = [];
    this.running = false;
    this.current = null; // { name, input: ImageData, output: ImageData | null, direction, modelName }
    this.translated = 0;
    this.fileInput = $('file');
    this.view = $('photo-view');
    this.historyList = $('history-list');

    this.fileInput.addEventListener('change', () => {
      this.add([...this.fileInput.files]);
      this.fileInput.value = ''; // choosing the same file again still counts
    });
    this.listenForDrops($('drop-zone'));
    document.addEventListener('paste', (event) => {
      if (!this.active) return;
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
    $('download').addEventListener('click', () => this.downloadCurrent());
    $('history-clear').addEventListener('click', () => {
      this.historyList.replaceChildren();
      $('history').hidden = true;
    });
  }

  setEnabled(enabled) {
    this.fileInput.disabled = !enabled;
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
      if (this.active) this.add([...event.dataTransfer.files]);
    });
  }

  /** Queues files for translation, in the order given. */
  add(files) {
    if (files.length === 0) return;
    this.status.clearAlert();
    this.queue.push(...files);
    this.queueTotal = (this.running ? this.queueTotal : 0) + files.length;
    if (!this.running) this.drain();
  }

  async drain() {
    this.running = true;
    let index = 0;
    while (this.queue.length > 0) {
      const file = this.queue.shift();
      index += 1;
      const count = this.queueTotal > 1 ? ` (${index} of ${this.queueTotal})` : '';
      try {
        const bitmap = await decodeFile(file);
        const input = drawScaled(bitmap, bitmap.width, bitmap.height, this.compare.input, this.settings().maxSide, `“${file.name || 'The pasted picture'}”`);
        bitmap.close();
        this.current = { name: file.name || 'pasted.png', file, input, output: null };
        await this.translateCurrent(count);
      } catch (error) {
        this.fail(error);
      }
    }
    this.running = false;
  }

  /** Translates the current photo again from its file, scaled to the new largest side. */
  rescale() {
    if (this.current?.file && !this.running) this.add([this.current.file]);
  }

  /** Translates the current photo again (after the model, the direction or the backend changed). */
  async retranslate() {
    if (!this.current || this.running) return;
    this.running = true;
    try {
      await this.translateCurrent('');
    } catch (error) {
      this.fail(error);
    }
    this.running = false;
  }

  async translateCurrent(count) {
    const { direction, maxSide, modelName } = this.settings();
    const current = this.current;
    document.body.dataset.photo = 'working';
    this.view.hidden = false;
    paint(this.compare.input, current.input);
    this.compare.output.getContext('2d').clearRect(0, 0, this.compare.output.width, this.compare.output.height);
    const first = this.engine.backend === 'webgpu' && !this.warm ? ' (the first one takes longer while the graphics card gets ready)' : '';
    this.status.busy(`Translating “${current.name}”${count}${first}…`);
    const { image, ms } = await this.engine.translate(current.input, direction, maxSide);
    this.warm = true;
    Object.assign(current, { output: image, direction, modelName });
    paint(this.compare.output, image);
    this.addToHistory(current);
    this.status.say(`Translated “${current.name}” (${image.width} × ${image.height}) in ${formatMs(ms)} on ${backendName(this.engine.backend)}.`);
    this.translated += 1;
    document.body.dataset.translations = String(this.translated);
    document.body.dataset.photo = 'done';
  }

  fail(error) {
    if (error instanceof Cancelled) return;
    document.body.dataset.photo = 'error';
    this.status.say(this.current?.output ? 'Ready.' : 'Choose a photo to translate.');
    this.status.error(error, 'This photo could not be translated.');
  }

  async downloadCurrent() {
    if (!this.current?.output) return;
    const { name, modelName, direction } = this.current;
    download(await toPng(this.compare.output), resultName(name, modelName, direction));
  }

  /**
   * Adds the photo just translated (what the two canvases show) to the list. The list keeps each
   * photo and its translation as PNG files, which the browser may hold outside the page's memory,
   * and a small thumbnail: a long list of large photos does not use up the tab's memory.
   */
  addToHistory(entry) {
    const { name, file, modelName, direction } = entry;
    // Copies of both canvases are taken now; a failed encoding is told when the photo is asked for.
    const saved = { input: toPng(this.compare.input), output: toPng(this.compare.output) };
    for (const png of Object.values(saved)) png.catch(() => {});
    const item = document.createElement('li');
    const thumbnail = document.createElement('canvas');
    drawFitted(this.compare.output, this.compare.output.width, this.compare.output.height, thumbnail, THUMBNAIL_SIDE);
    thumbnail.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.textContent = name;
    const show = document.createElement('button');
    show.type = 'button';
    show.className = 'quiet';
    show.textContent = 'Show';
    show.setAttribute('aria-label', `Show ${name}`);
    show.addEventListener('click', async () => {
      document.body.dataset.photo = 'working';
      try {
        const [input, output] = await Promise.all([
          saved.input.then((png) => drawPng(this.compare.input, png)),
          saved.output.then((png) => drawPng(this.compare.output, png)),
        ]);
        this.current = { name, file, modelName, direction, input, output };
        this.view.hidden = false;
        this.status.say(`“${name}” (${output.width} × ${output.height}) as translated before.`);
        document.body.dataset.photo = 'done';
      } catch (error) {
        this.fail(error);
      }
    });
    const save = document.createElement('button');
    save.type = 'button';
    save.className = 'quiet';
    save.textContent = 'Download';
    save.setAttribute('aria-label', `Download the translation of ${name}`);
    save.addEventListener('click', async () => {
      try {
        download(await saved.output, resultName(name, modelName, direction));
      } catch (error) {
        this.fail(error);
      }
    });
    const actions = document.createElement('div');
    actions.append(show, save);
    item.append(thumbnail, label, actions);
    this.historyList.prepend(item);
    $('history').hidden = false;
  }
}
