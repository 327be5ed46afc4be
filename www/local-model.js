// A model opened from the person's own computer: the folder the trainer's `export` or `import`
// wrote (manifest.json, a_to_b.bpk and/or b_to_a.bpk, perhaps MODEL_CARD.md), chosen with the
// folder picker or dropped, its files chosen one by one, or a ZIP of that folder; or generators
// saved by the reference PyTorch code (`.pth`), made into such a model here as the trainer's
// `import` would. Nothing is uploaded: the files are read here and handed to the translator, as a
// downloaded model's would be. Once it loads, kept-models.js keeps a copy in this browser for the
// next visits.

import { Cancelled, FriendlyError } from './errors.js';
import { isPicture, pathOf } from './folders.js';
import { DIRECTIONS } from './model-store.js';
import { isCheckpoint, readCheckpoint } from './pytorch.js';
import { isZip, unzip } from './unzip.js';

/** A path inside a model's folder as its files are found by ("./samples.jpg" → "samples.jpg"). */
export const inFolder = (path) => path.replace(/^(\.\/)+/, '');

/** The folder part of a picked file's path ("models/tiny/manifest.json" → "models/tiny/"). */
const folderOf = (path) => path.slice(0, path.lastIndexOf('/') + 1);

/** Whether files chosen or dropped are (part of) a model, rather than photos: a manifest.json, a weights file or a PyTorch checkpoint among them. */
export const holdsModel = (files) => files.some((file) => file.name === 'manifest.json' || /\.bpk$/i.test(file.name) || isCheckpoint(file));

/**
 * Finds a model among files: those of a picked or dropped folder, a model's files chosen one by
 * one, or a ZIP of its folder. `picked`: Files (a picked folder's carry their path in it), or
 * `{ file, path }`; `unzipped`: what `unzip` read from the ZIP among them, if it was read already.
 * Resolves to an entry like those of `models/index.json` (name, domains,
 * directions) with `local: { folder, manifestText, manifest, weights, cardUrl, card, fileAt }`
 * (`weights`: the File of each direction, read when the model is loaded, so it can be loaded again
 * after a restart); fails with a FriendlyError that says what is missing or wrong. PyTorch
 * checkpoints among the files, without a manifest.json, are made into a model by
 * `importPytorch(args)` (the translator's; see `importCheckpoints`).
 */
export async function readLocalModel(picked, unzipped = null, importPytorch = null) {
  let found = [...picked].map((item) => (item instanceof Blob ? { file: item, path: pathOf(item) } : item));
  const zips = found.filter(({ file }) => isZip(file) && !isCheckpoint(file));
  let zipName = null;
  if (zips.length > 0 && !found.some(({ file }) => file.name === 'manifest.json')) {
    if (zips.length > 1) {
      throw new FriendlyError('local-model', `Choose one model’s ZIP file at a time (${zips.map(({ file }) => `“${file.name}”`).join(', ')}).`,
        new Error(`${zips.length} ZIP files`));
    }
    zipName = zips[0].file.name;
    found = inOneFolder(unzipped ?? await unzip(zips[0].file, zipName), zipName.replace(/\.zip$/i, '') || 'model');
  }
  const manifests = found.filter(({ file }) => file.name === 'manifest.json');
  const checkpoints = found.filter(({ file }) => isCheckpoint(file));
  if (checkpoints.length > 0 && manifests.length === 0) return importCheckpoints(checkpoints, importPytorch);
  const loose = !zipName && !found.some(({ path }) => path.includes('/'));
  const folder = loose ? '' : found[0]?.path.split('/')[0] ?? '';
  const where = zipName ? `“${zipName}”` : folder ? `“${folder}”` : 'the chosen files';
  const Where = where[0].toUpperCase() + where.slice(1);
  const [has, holds, lacks] = loose ? ['have', 'hold', 'lack'] : ['has', 'holds', 'lacks'];
  if (manifests.length === 0) {
    if (zipName && found.some(({ file }) => isPicture(file))) {
      throw new FriendlyError('local-model', `${Where} holds pictures, not a model: to translate them, drop it on the page under “Photos”.`,
        new Error(`${found.length} file(s), none named manifest.json`));
    }
    throw new FriendlyError('local-model', `${Where} ${has} no manifest.json, so it is not a model. Choose the folder the trainer’s “export” or “import” wrote (for example www/models/horse2zebra), or a ZIP of it.`,
      new Error(`${found.length} file(s), none named manifest.json`));
  }
  // The manifest nearest the top; several at that depth are several models.
  const depth = ({ path }) => path.split('/').length;
  const shallowest = Math.min(...manifests.map(depth));
  const nearest = manifests.filter((manifest) => depth(manifest) === shallowest);
  if (nearest.length > 1) {
    const names = nearest.map(({ path }) => `“${folderOf(path).split('/').at(-2)}”`).join(', ');
    throw new FriendlyError('local-model', `${Where} ${holds} several models (${names}): ${zipName ? 'zip the folder of one of them on its own' : 'choose the folder of one of them'}.`,
      new Error(`${nearest.length} manifest.json files at depth ${shallowest}`));
  }
  const dir = folderOf(nearest[0].path);
  const byPath = new Map(found.map(({ path, file }) => [path, file]));
  const beside = (name) => byPath.get(dir + name);
  const manifestText = await nearest[0].file.text();
  let manifest;
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    throw new FriendlyError('local-model', `The manifest.json in ${where} is damaged: it cannot be read.`, error);
  }
  const name = typeof manifest?.name === 'string' && manifest.name ? manifest.name : folder || 'model';
  const weights = { a_to_b: null, b_to_a: null };
  for (const direction of DIRECTIONS) {
    const listed = manifest?.[direction];
    if (!listed?.file) continue;
    const file = beside(listed.file);
    if (!file) {
      throw new FriendlyError('local-model', `${Where} ${lacks} “${listed.file}”, which its manifest.json lists: ${loose ? 'choose it too, or the whole folder' : 'copy the whole folder the trainer wrote'}.`,
        new Error(`${dir}${listed.file} not among the ${found.length} file(s)`));
    }
    if (Number.isFinite(listed.bytes) && file.size !== listed.bytes) {
      throw new FriendlyError('local-model', `“${listed.file}” in ${where} is ${file.size.toLocaleString('en')} bytes, but its manifest.json says ${listed.bytes.toLocaleString('en')}: the files do not belong together. Export the model again.`,
        new Error(`${dir}${listed.file}: ${file.size} bytes, manifest ${listed.bytes}`));
    }
    weights[direction] = file;
  }
  const card = typeof manifest.card === 'string' ? beside(manifest.card) : null;
  return localEntry({ name, folder: zipName ?? folder, manifestText, manifest, weights, card, fileAt: (path) => beside(path) ?? null });
}

/** A generator file of the reference's checkpoints folder: `latest_net_G_A.pth` (A → B), `200_net_G_B.pth` (B → A). */
const REFERENCE_GENERATOR = /(?:^|_)net_G_([AB])\.(?:pth|pt)$/i;

/**
 * Which of the chosen checkpoints are the generators to open: one or two chosen on their own; from
 * the reference's checkpoints folder (which also holds the discriminators and each saved epoch's
 * networks), `latest_net_G_A.pth` and `latest_net_G_B.pth`. `[a, b]`: A → B first (G_A).
 */
function generatorsAmong(checkpoints) {
  const direction = ({ file }) => file.name.match(REFERENCE_GENERATOR)?.[1]?.toUpperCase() ?? null;
  let chosen = checkpoints;
  if (checkpoints.length > 2) {
    const latest = checkpoints.filter((item) => direction(item) && /^latest_/i.test(item.file.name));
    const generators = checkpoints.filter((item) => direction(item));
    chosen = latest.length > 0 ? latest : generators;
  }
  const directions = chosen.map(direction);
  if (chosen.length === 0 || chosen.length > 2 || (chosen.length === 2 && directions[0] === directions[1] && directions[0] !== null)) {
    const names = checkpoints.slice(0, 4).map(({ file }) => `“${file.name}”`).join(', ') + (checkpoints.length > 4 ? ', …' : '');
    throw new FriendlyError('local-model', `Choose one PyTorch generator, or two for both directions (the CycleGAN code saves them as latest_net_G_A.pth and latest_net_G_B.pth), not ${checkpoints.length.toLocaleString('en')} checkpoints (${names}).`,
      new Error(`${checkpoints.length} checkpoint files`));
  }
  return directions[0] === 'B' && chosen.length === 2 ? [chosen[1], chosen[0]] : chosen;
}

/**
 * A model's name and its domains from the checkpoints' names, as the CycleGAN code and its
 * published models name them: "horse2zebra" (its folder, or a single file horse2zebra.pth) is
 * horse ↔ zebra, "style_monet" photo → monet; anything else A ↔ B.
 */
function namesOf(generators, folder) {
  const { file } = generators[0];
  const reference = file.name.match(REFERENCE_GENERATOR);
  const name = (reference && folder) || file.name.replace(/\.[^.]+$/, '') || 'pytorch-model';
  const words = (text) => text.replace(/_/g, ' ').trim();
  // Words of letters on both sides of the "2" ("G_A2B_epoch33" names no domains).
  const pair = name.match(/^([a-z]{2,}(?:_[a-z]{2,})*)2([a-z]{2,}(?:_[a-z]{2,})*)$/i);
  const style = name.match(/^style_(.+)$/i);
  const [domainA, domainB] = pair ? [words(pair[1]), words(pair[2])] : style ? ['photo', words(style[1])] : ['A', 'B'];
  // G_B alone translates B → A: it is this model's only direction, so the domains swap.
  const alone = generators.length === 1 && reference?.[1].toUpperCase() === 'B';
  return alone ? { name, domainA: domainB, domainB: domainA } : { name, domainA, domainB };
}

/**
 * A model made of reference PyTorch checkpoints (`{ file, path }`): each is read here
 * (pytorch.js), then `importPytorch` (the translator's WebAssembly) maps it onto our generator
 * and writes the manifest and weights files the trainer's `import` would. The result is an entry
 * like `readLocalModel`'s, its files in memory.
 */
async function importCheckpoints(checkpoints, importPytorch) {
  if (!importPytorch) {
    throw new FriendlyError('engine', 'The translator is not running, so the checkpoint cannot be converted. Reload the page.', new Error('no importer'));
  }
  const generators = generatorsAmong(checkpoints);
  const folder = generators[0].path.includes('/') ? generators[0].path.split('/').at(-2) : null;
  const { name, domainA, domainB } = namesOf(generators, folder);
  const [a, b = null] = await Promise.all(generators.map(async ({ file }) => ({ file: file.name, tensors: await readCheckpoint(file, file.name) })));
  let made;
  try {
    made = await importPytorch({ name, domainA, domainB, a, b });
  } catch (error) {
    if (error instanceof Cancelled || error instanceof FriendlyError) throw error;
    const first = String(error?.message ?? error).split('\n')[0];
    throw new FriendlyError('local-model', /[.!?]$/.test(first) ? first : `${first}.`, error);
  }
  const manifest = JSON.parse(made.manifest);
  const weights = { a_to_b: null, b_to_a: null };
  for (const direction of DIRECTIONS) {
    const listed = manifest[direction];
    if (listed) weights[direction] = new File([made.files[listed.file]], listed.file, { type: 'application/octet-stream' });
  }
  const sources = generators.map(({ file }) => file.name).join(' and ');
  return localEntry({ name, folder: sources, manifestText: made.manifest, manifest, weights, card: null, fileAt: () => null });
}

/** A ZIP's files as a folder's: in one top folder, named as the ZIP unless they all share one already. */
function inOneFolder(files, stem) {
  const top = (path) => (path.includes('/') ? path.split('/')[0] : null);
  const shared = files.length > 0 && top(files[0].path) !== null && files.every(({ path }) => top(path) === top(files[0].path));
  return shared ? files : files.map(({ path, file }) => ({ path: `${stem}/${path}`, file }));
}

/**
 * An entry for the model list from a model's files: those of a picked folder, or the copy kept in
 * this browser (kept-models.js). `fileAt(path)` finds a file of the model's folder by its path
 * there ("samples.jpg"); the entry's own `fileAt` also takes "./samples.jpg".
 */
export async function localEntry({ name, folder, manifestText, manifest, weights, card, fileAt }) {
  return {
    name,
    domain_a: manifest.domain_a,
    domain_b: manifest.domain_b,
    directions: DIRECTIONS.filter((direction) => weights[direction]),
    local: {
      folder,
      manifestText,
      manifest,
      weights,
      // As text, for a new tab, as the site's own cards are; the page shows it from `card`.
      cardUrl: card ? URL.createObjectURL(new Blob([await card.arrayBuffer()], { type: 'text/plain; charset=utf-8' })) : null,
      card,
      /** A file of the model's folder by its path there ("samples.jpg", "./samples.jpg"), if there. */
      fileAt: (path) => fileAt(inFolder(path)) ?? null,
    },
  };
}

/**
 * A local model's files for the translator, read afresh each time (a buffer handed to the
 * translator is gone from the page). `check(manifestText)` runs first, as for a download.
 */
export async function localModelFiles(entry, check = async () => {}) {
  const { manifestText, manifest, weights, folder } = entry.local;
  await check(manifestText);
  const files = { a_to_b: null, b_to_a: null };
  for (const direction of DIRECTIONS) {
    try {
      if (weights[direction]) files[direction] = await weights[direction].arrayBuffer();
    } catch (error) {
      throw new FriendlyError('model-load', entry.local.kept
        ? `The copy of the model “${entry.name}” kept in this browser can no longer be read. Open it from its folder again.`
        : `The model “${entry.name}” can no longer be read from ${folder ? `“${folder}” (was it moved or changed?)` : 'its files (were they moved or changed?)'}. Open it again.`, error);
    }
  }
  return { manifestText, manifest, files };
}
