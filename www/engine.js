// Keeps one working translator for the page: starts it on the backend the person chose (falling
// back to the CPU when WebGPU is missing; 'auto' also takes the CPU over a software WebGPU),
// loads the chosen model into it, and recovers when the GPU device is lost or the worker dies: a
// new worker on the same backend, then on the CPU.

import { Cancelled, FriendlyError, technical } from './errors.js';
import { localModelFiles } from './local-model.js';
import { downloadModel, forgetModel } from './model-store.js';
import { TranslatorClient, WorkerError } from './translator-client.js';

const BACKEND_NAMES = { webgpu: 'the graphics card (WebGPU)', cpu: 'the processor (CPU)' };
export const backendName = (backend) => BACKEND_NAMES[backend] ?? backend;

/** Whether a failed request means the translator itself is gone (rather than a bad input). */
const translatorGone = (error) =>
  error instanceof WorkerError && (error.name === 'DeviceLostError' || error.fatal);

export class Engine {
  /**
   * @param hooks {{
   *   progress(label: string, loaded: number, total: number): void,
   *   busy(label: string): void,
   *   backend(info: { backend: string, requested: string, fallbackReason: string | null,
   *                   fallbackKind: 'software-webgpu' | 'no-webgpu' | null,
   *                   threads: number | null (CPU workers), oneThreadReason: string | null }): void,
   *   model(info: { entry: object, manifest: object }): void,
   *   notice(text: string, key?: string): void,
   * }}
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.client = null;
    this.requested = 'auto';
    this.entry = null; // the model wanted
    this.manifest = null; // the model loaded
    this.lock = Promise.resolve();
  }

  /** Runs `task` after every earlier engine task, so starts, loads and translations never overlap. */
  locked(task) {
    const result = this.lock.then(task, task);
    this.lock = result.catch(() => {});
    return result;
  }

  get backend() {
    return this.client?.backend ?? null;
  }

  /** (Re)starts the translator on `backend`, cancelling whatever it was doing, and reloads the model. */
  start(backend) {
    this.requested = backend;
    this.client?.terminate();
    return this.locked(async () => {
      await this.startClient(backend);
      if (this.entry) await this.loadModel(this.entry);
    });
  }

  /** Downloads (or takes from the cache) and loads the model `entry`. */
  useModel(entry) {
    this.entry = entry;
    return this.locked(() => (this.entry === entry ? this.loadModel(entry) : Promise.reject(new Cancelled())));
  }

  /** Makes a model of reference PyTorch checkpoints' tensors: `{ manifest, files }` (see TranslatorClient). */
  importPytorch(args) {
    return this.locked(() => {
      if (!this.client) throw new FriendlyError('engine', 'The translator is not running. Reload the page.');
      return this.client.importPytorch(args);
    });
  }

  /** Translates an ImageData; resolves to `{ image, ms }`. Recovers from a lost device and tries again. */
  translate(image, direction, maxSide) {
    return this.locked(async () => {
      for (let attempt = 0; ; attempt++) {
        if (!this.client) throw new FriendlyError('engine', 'The translator is not running. Reload the page.');
        if (!this.manifest) throw new FriendlyError('no-model', 'Choose a model first.');
        const client = this.client;
        try {
          return await client.translate(image, direction, maxSide);
        } catch (error) {
          if (error instanceof Cancelled) throw error;
          if (!translatorGone(error) || attempt >= 2) throw translationError(error);
          await this.recover(client, error, attempt === 0 ? this.requested : 'cpu');
        }
      }
    });
  }

  /** After a lost device or a dead worker: a new worker on `backend` with the same model. */
  async recover(client, error, backend) {
    const lostGpu = client.backend === 'webgpu';
    console.warn(`Unpaired: the translator on ${client.backend} failed (${technical(error)}); starting a new one on ${backend}`);
    await this.startClient(backend);
    await this.loadModel(this.entry);
    const now = this.client.backend;
    this.hooks.notice(
      lostGpu && now === 'webgpu' ? 'The graphics card stopped responding, so the translator was restarted on it.'
        : lostGpu ? 'The graphics card stopped responding, so translations now run on the processor (slower).'
          : 'The translator stopped unexpectedly and was restarted.');
  }

  async startClient(backend) {
    this.client?.terminate();
    this.client = null;
    this.manifest = null;
    const options = {
      onProgress: (loaded, total) => this.hooks.progress('Downloading the translator…', loaded, total),
    };
    this.hooks.busy('Starting the translator…');
    let client;
    let fallback = null;
    try {
      client = await TranslatorClient.start(backend, options);
    } catch (error) {
      if (backend === 'cpu') throw startError(error);
      // WebGPU was asked for by name and is not there (or failed to start): use the CPU.
      fallback = { fallbackReason: technical(error), fallbackKind: 'no-webgpu' };
      try {
        client = await TranslatorClient.start('cpu', options);
      } catch (cpuError) {
        throw startError(cpuError);
      }
    }
    this.client = client;
    this.hooks.backend({
      backend: client.backend,
      requested: backend,
      threads: client.info?.threads ?? null,
      oneThreadReason: client.info?.oneThreadReason ?? null,
      ...(fallback ?? { fallbackReason: client.fallbackReason, fallbackKind: client.fallbackKind }),
    });
  }

  async loadModel(entry) {
    this.manifest = null;
    const client = this.client;
    // The translator reads the manifest first, so a model it cannot use is not downloaded.
    const check = async (manifestText) => {
      try {
        await client.checkManifest(manifestText);
      } catch (error) {
        if (error instanceof Cancelled || translatorGone(error)) throw error;
        throw manifestError(entry, error);
      }
    };
    const { manifestText, manifest, files } = entry.local
      ? await localModelFiles(entry, check)
      : await downloadModel(entry, (loaded, total) => this.hooks.progress(`Downloading the model “${entry.name}”…`, loaded, total), check);
    if (this.entry !== entry) throw new Cancelled();
    this.hooks.busy(`Preparing the model “${entry.name}”…`);
    try {
      await client.loadModel(manifestText, files);
    } catch (error) {
      if (error instanceof Cancelled || translatorGone(error)) throw error;
      if (entry.local?.kept) {
        throw new FriendlyError('model-load',
          `The copy of the model “${entry.name}” kept in this browser could not be loaded: it is damaged, so it is no longer kept. Open the model from its folder again, or choose another model.`,
          error);
      }
      if (entry.local) {
        throw new FriendlyError('model-load',
          `The model “${entry.name}” in “${entry.local.folder}” could not be loaded: its files are damaged or do not belong together. Export it again, or choose another model.`,
          error);
      }
      await forgetModel(entry, manifest); // a damaged download must not stay in the cache
      throw new FriendlyError('model-load',
        `The model “${entry.name}” could not be loaded: its files are damaged or do not belong together. Reload the page to download it again, or choose another model.`,
        error);
    }
    this.manifest = manifest;
    this.hooks.model({ entry, manifest });
  }
}

/** Why the translator refused a model's manifest, for the person who chose the model. */
function manifestError(entry, error) {
  if (error.name === 'UnsupportedFormatError') {
    return new FriendlyError('model-load',
      `The model “${entry.name}” was made by a newer version of Unpaired than this site runs: the site needs an update to use it. Choose another model.`,
      error);
  }
  return new FriendlyError('model-load',
    `The model “${entry.name}” could not be loaded: its description (manifest.json) is damaged. Choose another model.`,
    error);
}

function startError(error) {
  if (typeof WebAssembly !== 'object') {
    return new FriendlyError('engine', 'This browser cannot run the translator (it lacks WebAssembly). Try a current Firefox, Chrome, Edge or Safari.', error);
  }
  return new FriendlyError('engine', 'The translator could not start in this browser. Reload the page to try again.', error);
}

function translationError(error) {
  const message = technical(error);
  const small = /smallest size that can be translated/.exec(message);
  if (small) return new FriendlyError('too-small', 'This picture is too small to translate: it needs at least 8 × 8 pixels.', error);
  if (translatorGone(error)) {
    return new FriendlyError('device-lost', 'The translator stopped working and could not be restarted. Reload the page to try again.', error);
  }
  return new FriendlyError('translate', 'The translation failed. Try a smaller “Largest side”, or choose the processor (CPU) under “Run on”.', error);
}
