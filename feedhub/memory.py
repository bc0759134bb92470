"""Handing freed memory back to the system between the stages of a cycle.

A cold cycle's refresh allocates and frees tens of MB (documents waiting for
the parse pool, parsed entries on their way to the store); glibc's malloc
keeps what was freed for later, so the process's resident size stays at the
refresh's peak and publishing then adds its own on top. malloc_trim(3)
returns the free pages: 182 -> 133 MB after the refresh of 200 x 50 entries
(bench/README.md). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():  # type: ignore[no-untyped-def]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


def release_free_memory(*, collect: bool = True) -> None:
    """Collect garbage (unless told not to: a full collection costs tens of
    ms in a large heap), then return free heap pages to the system."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
