"""COCO run-length encoding of binary masks (the compact string form pycocotools reads).

A mask ``[H, W]`` is read column by column (Fortran order); ``counts`` alternate runs of 0
and 1, starting with 0. The string form stores each count (from the third on, as the
difference to the count two before) in 5-bit groups, low first, each group + 48 as one
character, bit 0x20 flagging that another group follows (the COCO API's ``rleToString``
layout, written here from that description).
"""

from __future__ import annotations

import numpy as np


def mask_counts(mask: np.ndarray) -> list[int]:
    """Uncompressed COCO RLE counts of a boolean ``[H, W]`` mask."""
    m = np.asarray(mask, bool).T.ravel()
    if m.size == 0:
        return []
    change = np.flatnonzero(m[1:] != m[:-1]) + 1
    bounds = np.concatenate([[0], change, [m.size]])
    counts = np.diff(bounds).tolist()
    if m[0]:
        counts = [0, *counts]
    return [int(c) for c in counts]


def encode_counts(counts: list[int]) -> str:
    """The COCO string form of RLE ``counts``."""
    out = []
    for i, c in enumerate(counts):
        x = int(c) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            group = x & 0x1F
            x >>= 5  # arithmetic shift: negative differences end at -1
            more = (x != -1) if group & 0x10 else (x != 0)
            if more:
                group |= 0x20
            out.append(chr(group + 48))
    return "".join(out)


def decode_counts(text: str) -> list[int]:
    """Inverse of :func:`encode_counts`."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            group = ord(text[p]) - 48
            x |= (group & 0x1F) << (5 * k)
            more = bool(group & 0x20)
            p += 1
            k += 1
            if not more and group & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def encode_mask(mask: np.ndarray) -> dict:
    """``{"size": [H, W], "counts": str}`` of a boolean mask."""
    h, w = np.shape(mask)
    return {"size": [int(h), int(w)], "counts": encode_counts(mask_counts(mask))}


def decode_mask(rle: dict) -> np.ndarray:
    """Boolean ``[H, W]`` mask of an RLE dict (string or list counts)."""
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        counts = decode_counts(counts)
    flat = np.zeros(int(h) * int(w), bool)
    pos = 0
    for i, c in enumerate(counts):
        if i % 2:
            flat[pos:pos + c] = True
        pos += c
    return flat.reshape(int(w), int(h)).T
