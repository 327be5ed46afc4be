// Placeholder page until the web app lands: loads the wasm module, says which backend it got,
// and, when www/models/index.json lists a model, translates a picked photo with it.
import init, { Translator } from '../pkg/unpaired.js';

const status = document.getElementById('status');
const say = (text, isError = false) => {
  status.textContent = text;
  status.classList.toggle('error', isError);
};

async function firstModel() {
  const response = await fetch('models/index.json');
  if (!response.ok) return null;
  const index = await response.json();
  return index.models?.[0] ?? null;
}

async function main() {
  await init();
  const translator = await Translator.create('auto');
  const backend = translator.backend === 'webgpu' ? 'WebGPU (your GPU)' : 'the CPU';
  document.body.dataset.backend = translator.backend;
  const model = await firstModel().catch(() => null);
  if (!model) {
    say(`Translator ready on ${backend}. No model is installed yet.`);
    return;
  }
  const manifest = JSON.parse(await translator.loadModelFromUrl(`models/${model.path}`));
  say(`Translator ready on ${backend} with the model “${manifest.name}”.`);
  const select = document.getElementById('direction');
  for (const [value, from, to] of [['a_to_b', manifest.domain_a, manifest.domain_b], ['b_to_a', manifest.domain_b, manifest.domain_a]]) {
    if (manifest[value]) select.add(new Option(`${from} → ${to}`, value));
  }
  document.getElementById('translate').hidden = false;
  document.getElementById('file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const bitmap = await createImageBitmap(file);
      const input = document.getElementById('input');
      input.width = bitmap.width;
      input.height = bitmap.height;
      const context = input.getContext('2d');
      context.drawImage(bitmap, 0, 0);
      say('Translating…');
      const result = await translator.translate(context.getImageData(0, 0, bitmap.width, bitmap.height), select.value);
      const output = document.getElementById('output');
      output.width = result.width;
      output.height = result.height;
      output.getContext('2d').putImageData(result, 0, 0);
      say(`Done on ${backend}.`);
    } catch (error) {
      say(`Could not translate this file: ${error.message ?? error}`, true);
    }
  });
}

main().catch((error) => say(`The translator could not start: ${error.message ?? error}`, true));
