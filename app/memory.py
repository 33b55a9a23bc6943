"""glibc allocator settings that keep a worker's memory from creeping up.

The models' working buffers are large and are re-allocated when the input
size changes. By default glibc raises its mmap threshold after the first large
free, so later large buffers come from the heap and their freed space is
fragmented instead of returned to the system. A fixed threshold keeps large
buffers in their own mappings, which go back to the system when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LARGE = 128 * 1024


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


def tune_allocator() -> None:
    """Fix glibc's mmap and trim thresholds for this process (no-op elsewhere)."""
    libc = _libc()
    if libc is None:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)
    libc.mallopt(_M_TRIM_THRESHOLD, _LARGE)


def release_free_memory() -> None:
    """Return free heap pages to the system (after loading, which churns through memory)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
