"""Native (OS-level) threading primitives, also under gevent's monkey-patching.

Engine calls run on real OS threads so that model inference, which releases
the GIL, never blocks a gevent worker's event loop. Locks used only by those
threads must be real locks too: gevent's patched locks are meant for
greenlets of one thread.
"""

from __future__ import annotations

import threading
from typing import Any

try:
    from gevent import monkey as _monkey
except ImportError:  # pragma: no cover - gevent is a hard dependency, but keep engines importable
    _monkey = None


def gevent_active() -> bool:
    """True when the threading module has been monkey-patched by gevent."""
    return _monkey is not None and _monkey.is_module_patched("threading")


def native_lock() -> Any:
    """A lock that blocks OS threads, whatever gevent has patched."""
    if _monkey is not None:
        return _monkey.get_original("_thread", "allocate_lock")()
    return threading.Lock()


def start_native_thread(fn: Any, *args: Any) -> None:
    """Run ``fn(*args)`` on a new OS thread (gevent's patched ``_thread`` would make it a greenlet).
    The thread does not keep the process alive."""
    import _thread

    start = _monkey.get_original("_thread", "start_new_thread") if _monkey is not None else _thread.start_new_thread
    start(fn, args)


def limit_blas_threads() -> None:
    """numpy's BLAS runs on the calling thread, process-wide (loading the vocoder calls this).

    Synthesis already runs one thread per core. OpenBLAS starts one thread per core of its own
    and they spin-wait after each matrix product, taking the cores the vocoder's helper lanes
    need: one short sentence took 105 ms with them and 68 ms without (one process, 2 cores).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
