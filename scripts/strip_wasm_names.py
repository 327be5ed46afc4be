#!/usr/bin/env python3
"""Removes the `name` custom section (function names for stack traces, about a quarter of the release
module) from a WebAssembly file, in place. Custom sections carry no code or data: the module
computes exactly the same without it. Run after wasm-bindgen (which reads the names).

Usage: strip_wasm_names.py FILE.wasm
"""
import os
import sys

MAGIC = b"\0asm\x01\0\0\0"


def leb128(data, at):
    """An unsigned LEB128 number at `at`: (value, offset after it)."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def without_names(data):
    if data[:8] != MAGIC:
        raise ValueError("not a WebAssembly 1.0 module")
    kept = [data[:8]]
    at = 8
    while at < len(data):
        start = at
        section_id = data[at]
        size, body = leb128(data, at + 1)
        end = body + size
        if end > len(data):
            raise ValueError("a section runs past the end of the file")
        is_name = False
        if section_id == 0:
            name_len, name_at = leb128(data, body)
            is_name = data[name_at:name_at + name_len] == b"name"
        if not is_name:
            kept.append(data[start:end])
        at = end
    return b"".join(kept)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    with open(path, "rb") as f:
        data = f.read()
    stripped = without_names(data)
    partial = path + ".partial"
    with open(partial, "wb") as f:
        f.write(stripped)
    os.replace(partial, path)
    print(f"[strip_wasm_names] {path}: {len(data):,} → {len(stripped):,} bytes")


if __name__ == "__main__":
    main()
