#!/usr/bin/env python3
"""Writes the activation files that ActivationFilesFromPythonTest reads, the way Python users write them.

The .npy files come from numpy itself (np.save, np.lib.format.write_array), not from saestitch's
writer. There is no torch or safetensors package here, so the .safetensors files are laid out by
hand exactly as safetensors.torch.save_file lays them out (safetensors/src/tensor.rs, `prepare`):
an 8-byte little-endian header length; a compact JSON header with "__metadata__" first, then the
tensors sorted by descending dtype (the Rust enum order, so wider types come first and stay
aligned) and then by name, each {"dtype", "shape", "data_offsets"}; the header padded with spaces
to a multiple of 8 bytes; then the tensors' bytes back to back, little-endian, C order.

Every element is value(flat index i, phase k) = sin(0.37 * i + k) computed in float64, rounded to
float32, then to the file's dtype: float16 by numpy (round to nearest even), bfloat16 by torch's
rule (round to nearest even on the float32 bits). float64 elements are the float64 value itself.
Each array has its own phase k so that reading the wrong tensor or the wrong offset fails.
The Java test computes the same formula independently and compares every element exactly.

Run from this directory:  python3 make_fixtures.py   (numpy >= 1.17)
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def values(shape, phase):
    """float32 values of the formula over the flat (C-order) index, in the given shape."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return np.sin(0.37 * i + phase).astype(np.float32).reshape(shape)


def bf16_bits(x32):
    """torch's float32 -> bfloat16 conversion (c10::round_to_nearest_even), as uint16 bits; no NaNs here."""
    bits = x32.astype(np.float32).view(np.uint32).astype(np.uint64)
    bias = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + bias) >> 16).astype(np.uint16)


# safetensors' Dtype enum in declaration order; save_file sorts by this, descending.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
               "I32", "U32", "F32", "F64", "I64", "U64"]


def save_safetensors(path, tensors, metadata):
    """tensors: name -> (safetensors dtype, shape, little-endian bytes). Layout of save_file."""
    order = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(tensors[n][0]), n))
    header = {"__metadata__": metadata}
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][2])


def write_npy_version(path, array, version):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version)


def main():
    out = lambda name: os.path.join(HERE, name)

    # Readable activations: (batch, seq, D) and (N, D), every format version numpy writes.
    np.save(out("acts_3d_f32.npy"), values((3, 5, 7), 0))
    np.save(out("acts_2d_f16.npy"), values((4, 6), 1).astype(np.float16))
    write_npy_version(out("acts_v2_3d_f32.npy"), values((2, 3, 4), 2), (2, 0))
    write_npy_version(out("acts_v3_4d_f16.npy"), values((2, 2, 3, 5), 3).astype(np.float16), (3, 0))
    np.save(out("acts_2d_f64.npy"), np.sin(0.37 * np.arange(12, dtype=np.float64) + 4).reshape(3, 4))

    # One activation tensor beside a vector: the reader picks the activations without being told.
    save_safetensors(out("one_bf16.safetensors"), {
        "resid": ("BF16", (2, 3, 5), bf16_bits(values((2, 3, 5), 5)).tobytes()),
        "mean": ("F32", (5,), values((5,), 9).tobytes()),
    }, {"format": "pt"})
    # Several activation tensors: one must be named. Sorted on disk as F64, F32, BF16, F16.
    save_safetensors(out("several.safetensors"), {
        "resid_f32": ("F32", (3, 4, 5), values((3, 4, 5), 6).tobytes()),
        "resid_f64": ("F64", (2, 2, 3), np.sin(0.37 * np.arange(12, dtype=np.float64) + 7).tobytes()),
        "resid_f16": ("F16", (3, 2, 4), values((3, 2, 4), 8).astype("<f2").tobytes()),
        "resid_bf16": ("BF16", (4, 3), bf16_bits(values((4, 3), 10)).tobytes()),
    }, {"format": "pt"})

    # Arrays the reader refuses with a one-line message.
    np.save(out("bad_fortran.npy"), np.asfortranarray(values((4, 3), 11)))
    np.save(out("bad_big_endian.npy"), values((3, 4), 12).astype(">f4"))
    np.save(out("bad_1d.npy"), values((6,), 13))


if __name__ == "__main__":
    main()
