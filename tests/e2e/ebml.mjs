// A small EBML (Matroska, WebM) reader written from the specification, for the tests: it checks
// what it reads (with node:assert) rather than guessing past a fault.

import assert from 'node:assert/strict';

/** A variable-length integer at `offset`: its value (marker kept for IDs) and its length. */
export function vint(bytes, offset, keepMarker) {
  const first = bytes[offset];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  assert.ok(length <= 8, `a valid variable-length integer at ${offset}`);
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + bytes[offset + i];
  return { value, length };
}

/** The elements in `bytes[start, end)`: `{ id, start (of the body), size, body }`. */
export function elements(bytes, start = 0, end = bytes.length) {
  const out = [];
  let offset = start;
  while (offset < end) {
    const id = vint(bytes, offset, true);
    const size = vint(bytes, offset + id.length, false);
    const body = offset + id.length + size.length;
    assert.ok(body + size.value <= end, 'an element stays inside its parent');
    out.push({ id: id.value, at: offset, start: body, size: size.value, body: bytes.subarray(body, body + size.value) });
    offset = body + size.value;
  }
  return out;
}

export const children = (bytes, parent) => elements(bytes, parent.start, parent.start + parent.size);
export const child = (bytes, parent, id) => children(bytes, parent).find((e) => e.id === id);
export const uint = (e) => e.body.reduce((value, byte) => value * 256 + byte, 0);
export const text = (e) => new TextDecoder().decode(e.body);

/** The video blocks (track 1) of a WebM file in order: `{ time (ms), key, data }`. */
export function videoBlocks(bytes) {
  const segment = elements(bytes).find((e) => e.id === 0x18538067);
  assert.ok(segment, 'a Segment');
  const blocks = [];
  for (const cluster of children(bytes, segment).filter((e) => e.id === 0x1f43b675)) {
    const [timestamp, ...rest] = children(bytes, cluster);
    assert.equal(timestamp.id, 0xe7, 'a cluster starts with its Timestamp');
    for (const block of rest.filter((e) => e.id === 0xa3 && (e.body[0] & 0x7f) === 1)) {
      const view = new DataView(block.body.buffer, block.body.byteOffset, block.body.length);
      blocks.push({ time: uint(timestamp) + view.getInt16(1), key: (block.body[3] & 0x80) !== 0, data: block.body.subarray(4) });
    }
  }
  return blocks;
}
