// Reading a PyTorch checkpoint (`.pth`, as `torch.save(net.state_dict(), path)` writes it) in the
// page: the ZIP container of PyTorch 1.6 and later, and the older single stream that the published
// CycleGAN models are in. What it holds is a pickle; this reads the part of the pickle language
// that state dicts use (dictionaries, tensors rebuilt from storages) and nothing else: a pickle
// cannot run code here, as every name it refers to must be one of the few below.

import { FriendlyError } from './errors.js';
import { unzip } from './unzip.js';

/** Whether a file is, by its name, a PyTorch checkpoint. */
export const isCheckpoint = (file) => /\.(pth|pt|ckpt)$/i.test(file.name);

/** The largest checkpoint read (the reference's ResNet-9 generator is 45 MB in f32). */
const CHECKPOINT_LIMIT = 512e6;

/** The number the legacy format starts with (`torch.serialization.MAGIC_NUMBER`). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Bytes per element and reader of each storage type a state dict's tensors use. */
const STORAGES = {
  FloatStorage: [4, (view, at) => view.getFloat32(at, true)],
  DoubleStorage: [8, (view, at) => view.getFloat64(at, true)],
  HalfStorage: [2, (view, at) => half(view.getUint16(at, true))],
  BFloat16Storage: [2, (view, at) => new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0]],
  LongStorage: [8, (view, at) => Number(view.getBigInt64(at, true))],
  IntStorage: [4, (view, at) => view.getInt32(at, true)],
  ShortStorage: [2, (view, at) => view.getInt16(at, true)],
  CharStorage: [1, (view, at) => view.getInt8(at)],
  ByteStorage: [1, (view, at) => view.getUint8(at)],
  BoolStorage: [1, (view, at) => view.getUint8(at)],
};

/**
 * Every tensor of the checkpoint `blob` (named `name` in messages), as `{ key, shape, values }`
 * (values as a Float32Array, in row-major order), keys as the file nests them joined with "."
 * (`state_dict.model.1.weight`). Throws a FriendlyError that says why when it cannot.
 */
export async function readCheckpoint(blob, name = 'checkpoint.pth') {
  const quoted = `“${name}”`;
  const notCheckpoint = (why) => new FriendlyError('not-checkpoint',
    `${quoted} is not a PyTorch checkpoint this page can read: it should be a generator saved by the CycleGAN code (torch.save of its state_dict).`,
    new Error(why));
  if (blob.size > CHECKPOINT_LIMIT) {
    throw new FriendlyError('not-checkpoint', `${quoted} is too large for a CycleGAN generator (${Math.round(blob.size / 1e6)} MB).`, new Error(`${blob.size} bytes`));
  }
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  let root;
  let storageBytes;
  try {
    if (head[0] === 0x50 && head[1] === 0x4b) {
      ({ root, storageBytes } = await readZipped(blob, name));
    } else if (head[0] === 0x80) {
      ({ root, storageBytes } = readLegacy(new Uint8Array(await blob.arrayBuffer())));
    } else {
      throw new Error('neither a ZIP nor a pickle');
    }
  } catch (error) {
    if (error?.kind === 'file-gone') throw error;
    if (error instanceof FriendlyError) { // from its ZIP container
      throw new FriendlyError('not-checkpoint', `${quoted} is damaged: it cannot be read as a PyTorch checkpoint. Download or copy it again.`, error);
    }
    throw notCheckpoint(error?.message ?? String(error));
  }
  const tensors = [];
  flatten(root, '', tensors);
  if (tensors.length === 0) throw notCheckpoint('no tensors');
  return tensors.map(({ key, tensor }) => {
    try {
      return { key, shape: tensor.shape, values: valuesOf(tensor, storageBytes) };
    } catch (error) {
      throw notCheckpoint(`${key}: ${error.message}`);
    }
  });
}

/** PyTorch 1.6 and later: a ZIP whose `<folder>/data.pkl` names storages kept as `<folder>/data/<key>`. */
async function readZipped(blob, name) {
  const files = await unzip(blob, name, CHECKPOINT_LIMIT);
  const pickle = files.find(({ path }) => /(^|\/)data\.pkl$/.test(path));
  if (!pickle) throw new Error('a ZIP without data.pkl');
  const folder = pickle.path.slice(0, -'data.pkl'.length);
  const byKey = new Map(files.filter(({ path }) => path.startsWith(`${folder}data/`)).map(({ path, file }) => [path.slice(folder.length + 5), file]));
  const { value } = unpickle(new Uint8Array(await pickle.file.arrayBuffer()), 0, (id) => storageOf(id));
  const storageBytes = new Map();
  for (const key of new Set(storageKeys(value))) {
    const file = byKey.get(key);
    if (!file) throw new Error(`storage ${key} missing`);
    storageBytes.set(key, new Uint8Array(await file.arrayBuffer()));
  }
  return { root: value, storageBytes };
}

/**
 * The format before PyTorch 1.6: pickles of the magic number, the protocol version, the system's
 * description, the object and the list of storage keys, then each storage as its element count
 * (8 bytes) and its bytes.
 */
function readLegacy(bytes) {
  let at = 0;
  const next = (persistent = null) => {
    const { value, end } = unpickle(bytes, at, persistent);
    at = end;
    return value;
  };
  if (next() !== LEGACY_MAGIC) throw new Error('a pickle, but not a PyTorch file');
  const protocol = next();
  if (protocol !== 1001n && protocol !== 1001) throw new Error(`protocol version ${protocol}`);
  next(); // the system's description: byte order (little-endian on every machine that trains these), type sizes
  const root = next((id) => storageOf(id));
  const keys = next();
  if (!Array.isArray(keys)) throw new Error('no list of storages');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes = new Map(storageRefs(root).map(({ key, type }) => [key, STORAGES[type]?.[0] ?? 1]));
  const storageBytes = new Map();
  for (const key of keys) {
    if (at + 8 > bytes.length) throw new Error(`storage ${key} cut short`);
    const length = Number(view.getBigInt64(at, true)) * (sizes.get(key) ?? 1);
    at += 8;
    if (at + length > bytes.length) throw new Error(`storage ${key} cut short`);
    storageBytes.set(key, bytes.subarray(at, at + length));
    at += length;
  }
  return { root, storageBytes };
}

/** A persistent id `('storage', type, key, location, size[, view])` as the storage it names. */
function storageOf(id) {
  if (!Array.isArray(id) || id[0] !== 'storage') throw new Error(`unknown persistent id ${String(id?.[0])}`);
  const type = id[1]?.name;
  if (!(type in STORAGES)) throw new Error(`storage type ${type}`);
  const view = id[5];
  return { storage: true, type, key: String(id[2]), offset: view ? Number(view[1]) : 0 };
}

/** Every storage a value's tensors use. */
function storageRefs(value, found = []) {
  if (value?.tensor) found.push(value.storage);
  else if (value instanceof Map) for (const item of value.values()) storageRefs(item, found);
  else if (Array.isArray(value)) for (const item of value) storageRefs(item, found);
  return found;
}
const storageKeys = (value) => storageRefs(value).map(({ key }) => key);

/** The tensors under `value`, with their keys joined by ".". */
function flatten(value, prefix, out) {
  if (value?.tensor) out.push({ key: prefix.slice(0, -1), tensor: value });
  else if (value instanceof Map) for (const [key, item] of value) flatten(item, `${prefix}${key}.`, out);
}

/** A tensor's elements in row-major order, read through its strides. */
function valuesOf({ storage, offset, shape, stride }, storageBytes) {
  const bytes = storageBytes.get(storage.key);
  if (!bytes) throw new Error(`storage ${storage.key} missing`);
  const [size, read] = STORAGES[storage.type];
  const count = shape.reduce((a, b) => a * b, 1);
  const base = storage.offset + offset;
  // What a state dict's tensors almost always are: float32 in row-major order, copied as they are.
  const rowMajor = shape.every((_, d) => shape[d] === 1 || stride[d] === shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (storage.type === 'FloatStorage' && rowMajor) {
    if ((base + count) * size > bytes.length) throw new Error('its elements run past its storage');
    const start = bytes.byteOffset + base * size;
    return new Float32Array(bytes.buffer.slice(start, start + count * size));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  const index = new Array(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = base;
    for (let d = 0; d < shape.length; d++) element += index[d] * stride[d];
    if ((element + 1) * size > bytes.length) throw new Error('its elements run past its storage');
    values[i] = read(view, element * size);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return values;
}

/** An IEEE half-precision number. */
function half(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The Python names a state dict's pickle may use, and what each one makes here. */
const GLOBALS = {
  'collections.OrderedDict': () => new Map(),
  'torch._utils._rebuild_tensor_v2': (storage, offset, shape, stride) => tensorOf(storage, offset, shape, stride),
  'torch._utils._rebuild_tensor': (storage, offset, shape, stride) => tensorOf(storage, offset, shape, stride),
  'torch._utils._rebuild_parameter': (tensor) => tensor,
  'torch._utils._rebuild_parameter_with_state': (tensor) => tensor,
  ...Object.fromEntries(Object.keys(STORAGES).map((type) => [`torch.${type}`, { name: type }])),
};

function tensorOf(storage, offset, shape, stride) {
  if (!storage?.storage) throw new Error('a tensor without a storage');
  return { tensor: true, storage, offset: Number(offset), shape: shape.map(Number), stride: stride.map(Number) };
}

/**
 * One pickle from `bytes` at `start`: `{ value, end }`. Dictionaries become Maps, tuples and lists
 * arrays, large integers BigInts; `persistent(id)` resolves persistent ids. Only the opcodes of
 * protocols 2 to 5 that state dicts use are read; any other is an error, as is any name outside
 * GLOBALS.
 */
function unpickle(bytes, start, persistent) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  const stack = [];
  const marks = [];
  const memo = new Map();
  let at = start;
  const take = (length) => {
    if (at + length > bytes.length) throw new Error('the pickle is cut short');
    const slice = bytes.subarray(at, at + length);
    at += length;
    return slice;
  };
  const u8 = () => take(1)[0];
  const u32 = () => { const value = view.getUint32(at, true); take(4); return value; };
  const popMark = () => {
    if (marks.length === 0) throw new Error('no mark');
    return stack.splice(marks.pop());
  };
  const top = () => stack[stack.length - 1];
  const setItems = (target, items) => {
    if (!(target instanceof Map)) throw new Error('items set on something that is not a dictionary');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const long = (length) => {
    const raw = take(length);
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw.length > 0 && raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) && length <= 6 ? Number(value) : value;
  };
  const global = (name) => {
    if (!(name in GLOBALS)) throw new Error(`the pickle refers to ${name}, which a state dict does not use`);
    return GLOBALS[name];
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return { value: stack.pop(), end: at }; // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: stack.push(stack.splice(-2)); break; // TUPLE2
      case 0x87: stack.push(stack.splice(-3)); break; // TUPLE3
      case 0x64: { const items = popMark(); const dict = new Map(); setItems(dict, items); stack.push(dict); break; } // DICT
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(at, true)); take(2); break; // BININT2
      case 0x4a: stack.push(view.getInt32(at, true)); take(4); break; // BININT
      case 0x8a: stack.push(long(u8())); break; // LONG1
      case 0x8b: stack.push(long(u32())); break; // LONG4
      case 0x47: stack.push(view.getFloat64(at, false)); take(8); break; // BINFLOAT
      case 0x58: stack.push(text.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: { const length = Number(view.getBigUint64(at, true)); take(8); stack.push(text.decode(take(length))); break; } // BINUNICODE8
      case 0x55: stack.push(text.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: stack.push(text.decode(take(u32()))); break; // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x63: { // GLOBAL: "module\nname\n"
        const line = () => { const end = bytes.indexOf(0x0a, at); if (end < 0) throw new Error('the pickle is cut short'); return text.decode(take(end - at + 1)).slice(0, -1); };
        const module = line();
        stack.push(global(`${module}.${line()}`));
        break;
      }
      case 0x93: { const name = stack.pop(); const module = stack.pop(); stack.push(global(`${module}.${name}`)); break; } // STACK_GLOBAL
      case 0x52: { // REDUCE
        const args = stack.pop();
        const callable = stack.pop();
        if (typeof callable !== 'function') throw new Error('a call of something that is not a function');
        stack.push(callable(...args));
        break;
      }
      case 0x81: { const args = stack.pop(); const cls = stack.pop(); if (typeof cls !== 'function') throw new Error('an object of an unknown class'); stack.push(cls(...args)); break; } // NEWOBJ
      case 0x62: stack.pop(); break; // BUILD: a state (an OrderedDict's _metadata) not needed
      case 0x51: { if (!persistent) throw new Error('a persistent id outside a checkpoint'); stack.push(persistent(stack.pop())); break; } // BINPERSID
      case 0x73: { const value = stack.pop(); const key = stack.pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const value = stack.pop(); top().push(value); break; } // APPEND
      case 0x65: { const items = popMark(); top().push(...items); break; } // APPENDS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memo.get(u8())); break; // BINGET
      case 0x6a: stack.push(memo.get(u32())); break; // LONG_BINGET
      default: throw new Error(`pickle opcode 0x${op.toString(16)} at byte ${at - 1}`);
    }
  }
}
