"""glibc allocator settings that keep a worker's memory from creeping up.

The models' working buffers are large and are re-allocated whenever the input
length changes. By default glibc (1) gives each thread that allocates its own
heap arena, and (2) raises its mmap threshold after the first large free, so
later large buffers come from those heaps and their freed space stays
fragmented. Measured on a worker after 150 mixed requests: 260–300 MB by
default, 249–255 MB with one arena and a fixed 4 MiB threshold. A lower
threshold (128 KiB) saves a few more MB but costs ~25 ms per request in page
faults, as every large temporary buffer becomes a fresh mapping.
"""

from __future__ import annotations

import ctypes
import functools

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_LARGE = 4 * 1024 * 1024


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library already loaded in this process, if it is glibc.

    (Not ctypes.util.find_library: it runs ldconfig in a subprocess, which must
    not happen on a synthesis thread of a gevent worker.)
    """
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # pragma: no cover - exotic platforms
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def tune_allocator() -> None:
    """One malloc arena and a fixed mmap threshold for this process (no-op without glibc)."""
    libc = _libc()
    if libc is None:
        return
    libc.mallopt(_M_ARENA_MAX, 1)
    libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)


def release_free_memory() -> None:
    """Return free heap pages to the system (after loading, which churns through memory)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
