"""The per-process engine singleton and the OS threads that run it.

A gunicorn worker creates its engine lazily, once, on one of its synthesis
threads: model loading and inference are CPU work that must not run on the
gevent event loop. Everything about processes is handled here (a host created
before ``fork`` starts afresh in the child), so the rest of the code can treat
the engine as a plain object. While a synthesis thread works it holds a claim on
one of the host's cores (``app.cores``): an engine spreads its work over other
cores only while nobody on the host claims them, and a claim held across a whole
step (planning, rendering, encoding) leaves no gaps for that between steps.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from app import metrics
from app.cores import CoreClaims
from app.engines.base import Engine, EngineUnavailable
from app.threads import gevent_active, native_lock

log = logging.getLogger(__name__)
T = TypeVar("T")


class EngineHost:
    def __init__(self, factory: Callable[[], Engine], threads: int = 1, claims: CoreClaims | None = None) -> None:
        self._factory = factory
        self._threads = threads
        self._claims = claims
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._engine: Engine | None = None
        self._error: str | None = None
        self._loading = False
        self._lock = native_lock()
        self._pool: Any = None

    def _check_fork(self) -> None:
        if self._pid != os.getpid():  # inherited from a parent process: its threads are gone
            self._reset()

    # -- state --------------------------------------------------------------
    @property
    def ready(self) -> bool:
        self._check_fork()
        return self._engine is not None

    @property
    def error(self) -> str | None:
        self._check_fork()
        return self._error

    # -- threads ------------------------------------------------------------
    def _executor(self) -> Any:
        self._check_fork()
        if self._pool is None:
            if gevent_active():
                from gevent.threadpool import ThreadPool

                self._pool = ThreadPool(self._threads)
            else:
                self._pool = concurrent.futures.ThreadPoolExecutor(self._threads, thread_name_prefix="tts")
        return self._pool

    def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` on a synthesis thread; the calling greenlet/thread waits.

        Raises what ``fn`` raised, or TimeoutError after ``timeout`` seconds (the job itself
        runs on; a thread cannot be interrupted, but its result is dropped).
        """
        pool = self._executor()
        if gevent_active():
            import gevent

            try:
                ok, value = pool.spawn(self._caught, fn, *args).get(timeout=timeout)
            except gevent.Timeout as exc:
                raise TimeoutError from exc
        else:
            ok, value = pool.submit(self._caught, fn, *args).result(timeout=timeout)
        if not ok:
            raise value
        return value

    def _caught(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """(True, the result) or (False, the exception), raised again by the waiting caller: gevent
        prints the traceback of anything raised out of a pool thread, a 400 or a client gone too."""
        try:
            return True, self._claimed(fn, *args)
        except Exception as exc:
            return False, exc

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Start ``fn(*args)`` on a synthesis thread without waiting for it."""
        pool = self._executor()
        (pool.spawn if gevent_active() else pool.submit)(self._claimed, fn, *args)

    def _claimed(self, fn: Callable[..., T], *args: Any) -> T:
        if self._claims is None:
            return fn(*args)
        with self._claims.claim():
            return fn(*args)

    def later(self, seconds: float, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` on this process's event loop (or a timer thread) after ``seconds``."""
        if gevent_active():
            import gevent

            gevent.spawn_later(seconds, fn)
        else:
            timer = threading.Timer(seconds, fn)
            timer.daemon = True
            timer.start()

    # -- engine ---------------------------------------------------------------
    def engine(self) -> Engine:
        """The engine, loading it on first use. Call from a synthesis thread."""
        self._check_fork()
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                self._loading = True
                started = time.perf_counter()
                try:
                    self._engine = self._factory()
                except EngineUnavailable as exc:
                    self._error = str(exc)
                    log.error("engine unavailable: %s", exc)
                    raise
                except Exception as exc:
                    self._error = f"engine failed to load: {exc}"
                    log.exception("engine failed to load")
                    raise EngineUnavailable(self._error) from exc
                finally:
                    self._loading = False
                seconds = time.perf_counter() - started
                metrics.ENGINE_LOAD_SECONDS.set(seconds)
                self._error = None
                log.info("engine %s loaded in %.2fs", self._engine.info.name, seconds)
        return self._engine

    def start_loading(self) -> None:
        """Begin loading the engine in the background (idempotent)."""
        self._check_fork()
        if self._engine is None and not self._loading:
            self._loading = True
            self.submit(self._load_quietly)

    def _load_quietly(self) -> None:
        with contextlib.suppress(EngineUnavailable):  # recorded in self._error and logged
            self.engine()
