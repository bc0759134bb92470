"""A text's tokens -> shingle hashes -> a bottom-k sketch: the part of a
Signature (dedupe.py) that estimates how much two texts share.

Shingles are token 3-grams: character 3-grams in Chinese and Japanese, word
3-grams in Latin text, both in mixed text. Each shingle is hashed to 32
bits: CRC-32 of its UTF-8 bytes, then the murmur3 finaliser. Both are fixed
functions, so signatures are the same on every run and machine (Python's
``hash()`` is salted and is not used). The signature keeps the K=128
smallest hashes (a bottom-k MinHash, "KMV" sketch) and the number of
distinct shingles; dedupe.py reads Jaccard, containment and band keys off it.

Integer arithmetic only, kept apart from the text rules: most of
signature()'s time is spent here, and the tricks that make it fast are
explained beside them.
"""

from __future__ import annotations

import sys
import zlib
from array import array

SKETCH_SIZE = 128  # K: hashes kept per entry
SHINGLE = 3  # tokens per shingle
_MASK = 0xFFFFFFFF


def shingle_hashes(tokens: list[str]) -> list[int]:
    """The distinct 32-bit hashes of the token 3-grams: CRC-32 of the UTF-8
    bytes (tokens joined by U+001F), then murmur3's finaliser, which breaks
    CRC's linearity. Both are fixed functions: the same everywhere, unlike
    hash(). This is the largest part of signature()'s time, so every step
    runs as a map() over the whole text rather than a Python loop per shingle."""
    if len(tokens) < SHINGLE:
        grams = ["\x1f".join(tokens)] if tokens else []
    else:
        grams = map("\x1f".join, zip(tokens, tokens[1:], tokens[2:]))
    crcs = set(map(zlib.crc32, map(str.encode, grams)))
    # fmix32 is a bijection (xor-shifts and odd multipliers are invertible),
    # so distinct CRCs give distinct hashes: no second set needed.
    return _fmix32_all(crcs)


# One lane's mask for _fmix32_all: 2**32 - 1 as an array("Q") item holds it.
_LANE = array("Q", [_MASK]).tobytes()


def _fmix32_all(values: set[int]) -> list[int]:
    """murmur3's fmix32 of every (32-bit) value at once, bit-for-bit what

        h ^= h >> 16; h = (h * 0x85EBCA6B) & _MASK
        h ^= h >> 13; h = (h * 0xC2B2AE35) & _MASK
        h ^= h >> 16

    gives for each, but without a Python loop per value (3x faster). The
    values sit side by side in one big int, one per 64-bit lane. A 32-bit
    value times a 32-bit constant is below 2**64, so a multiplication never
    carries into the next lane; a right shift spills the next lane's low bits
    into this lane's upper half, and masking each lane to its low 32 bits
    after every step removes that (and does the ``& _MASK``).
    """
    n = len(values)
    if not n:
        return []
    # array("Q") is 8 bytes an item in native byte order; read and write the
    # big int in that order too, so that each item is one lane.
    order = sys.byteorder
    lanes = int.from_bytes(_LANE * n, order)
    x = int.from_bytes(array("Q", list(values)).tobytes(), order)  # (array() takes a list faster than a set)
    x = (x ^ (x >> 16)) & lanes
    x = (x * 0x85EBCA6B) & lanes
    x = (x ^ (x >> 13)) & lanes
    x = (x * 0xC2B2AE35) & lanes
    x = (x ^ (x >> 16)) & lanes
    return array("Q", x.to_bytes(8 * n, order)).tolist()


def bottom_k(hashes: list[int]) -> array:
    return array("I", sorted(hashes)[:SKETCH_SIZE])


def sketch_limit(sketch: array, total: int) -> int:
    """Largest hash below which the sketch holds every shingle of its text."""
    return sketch[-1] if total > len(sketch) else _MASK

