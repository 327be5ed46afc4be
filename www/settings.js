// The user's choices, kept in localStorage between visits. The address can override them for one
// visit (`?backend=cpu&maxSide=256&model=horse2zebra`), which is handy for links and tests.

const KEY = 'unpaired.settings';

const MAX_SIDES = [256, 384, 512, 768, 1024, 1536, 2048];
const BACKENDS = ['auto', 'webgpu', 'cpu'];
const VIEWS = ['side', 'slider'];
const VIDEO_FPS = [5, 10, 15, 24, 30];
const VIDEO_FORMATS = ['mp4', 'webm'];

const DEFAULTS = Object.freeze({
  backend: 'auto',
  // Large enough for a detailed result, small enough that the CPU finishes a photo in seconds
  // (the networks are trained on 256-pixel crops; they work at any size).
  maxSide: 512,
  view: 'side',
  mirror: true, // a camera facing the person (or one that does not say): shown as in a mirror
  mirrorBack: false, // a camera facing away (a phone's back camera): shown as it is
  model: null,
  camera: null, // the deviceId of the camera chosen last
  videoFps: 15, // frames per second taken from a video (each is translated)
  videoBeside: false, // the video made shows the original left of the translation
  videoFormat: 'mp4', // the file a video is made into: MP4 (H.264) plays on phones too; else WebM
  recordBeside: false, // a camera recording shows the camera picture left of its translation
  recordSound: false, // a camera recording has the microphone's sound (the browser asks for it the first time)
});

function valid(key, value) {
  switch (key) {
    case 'backend': return BACKENDS.includes(value);
    case 'maxSide': return MAX_SIDES.includes(value);
    case 'view': return VIEWS.includes(value);
    case 'mirror':
    case 'mirrorBack':
    case 'videoBeside':
    case 'recordBeside':
    case 'recordSound': return typeof value === 'boolean';
    case 'model': return value === null || typeof value === 'string';
    case 'camera': return value === null || (typeof value === 'string' && value.length <= 512);
    case 'videoFps': return VIDEO_FPS.includes(value);
    case 'videoFormat': return VIDEO_FORMATS.includes(value);
    default: return false;
  }
}

function readStored() {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') ?? {};
  } catch {
    return {}; // storage disabled (private mode) or damaged: start from the defaults
  }
}

function fromAddress(search) {
  const params = new URLSearchParams(search);
  const out = {};
  if (params.has('backend')) out.backend = params.get('backend');
  if (params.has('maxSide')) out.maxSide = Number(params.get('maxSide'));
  if (params.has('model')) out.model = params.get('model');
  return out;
}

/** The settings for this visit: defaults, then what was saved, then the address. */
export function loadSettings(search = location.search) {
  const settings = { ...DEFAULTS };
  for (const source of [readStored(), fromAddress(search)]) {
    for (const [key, value] of Object.entries(source)) {
      if (valid(key, value)) settings[key] = value;
    }
  }
  return settings;
}

/** Remembers one choice for the next visit. */
export function saveSetting(key, value) {
  if (!valid(key, value)) return;
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...readStored(), [key]: value }));
  } catch {
    // storage unavailable: the choice lasts for this visit only
  }
}
