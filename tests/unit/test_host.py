"""The engine host: lazy loading on a synthesis thread, once; failures remembered and reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from types import SimpleNamespace

import pytest

from app.engines import EngineInfo, EngineUnavailable
from app.synthesis.host import EngineHost


class Counter:
    def __init__(self, fail: Exception | None = None, delay: float = 0.0) -> None:
        self.calls = 0
        self.threads: set[str] = set()
        self.fail = fail
        self.delay = delay

    def __call__(self) -> object:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        if self.fail:
            raise self.fail
        return SimpleNamespace(info=EngineInfo("stand-in", 24_000, ()))


def test_the_engine_is_loaded_once_on_a_synthesis_thread():
    factory = Counter(delay=0.05)
    host = EngineHost(factory, threads=2)
    assert not host.ready
    engines = [host.run(host.engine) for _ in range(4)]
    assert factory.calls == 1 and all(e is engines[0] for e in engines)
    assert host.ready and host.error is None
    assert threading.current_thread().name not in factory.threads


def test_a_failed_load_is_reported_with_its_reason():
    host = EngineHost(Counter(fail=EngineUnavailable("model files missing")))
    with pytest.raises(EngineUnavailable, match="model files missing"):
        host.run(host.engine)
    assert not host.ready and host.error == "model files missing"


def test_unexpected_load_errors_become_engine_unavailable():
    host = EngineHost(Counter(fail=RuntimeError("boom")))
    with pytest.raises(EngineUnavailable, match="engine failed to load: boom"):
        host.run(host.engine)


def test_background_loading_starts_once_and_finishes():
    factory = Counter(delay=0.1)
    host = EngineHost(factory)
    host.start_loading()
    host.start_loading()
    deadline = time.monotonic() + 10
    while not host.ready and time.monotonic() < deadline:
        time.sleep(0.01)
    assert host.ready and factory.calls == 1


def test_a_call_that_outlives_its_timeout_raises_timeout_error():
    host = EngineHost(Counter())
    with pytest.raises(TimeoutError):
        host.run(time.sleep, 0.5, timeout=0.05)


def test_what_a_call_raises_reaches_the_caller():
    host = EngineHost(Counter())
    with pytest.raises(ValueError, match="bad input"):
        host.run(int, "bad input")
    assert host.run(int, "7") == 7


def test_under_gevent_an_error_reaches_the_caller_and_no_traceback_is_printed():
    """gevent prints the traceback of whatever a pool thread raises: a 400 must not fill the log."""
    code = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        from app.errors import InvalidParameter
        from app.synthesis.host import EngineHost

        def refuse():
            raise InvalidParameter("nothing to say", code="nothing_to_say", param="text")

        host = EngineHost(object)
        try:
            host.run(refuse)
        except InvalidParameter as exc:
            print("caught", exc.code)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=os.getcwd())
    assert done.stdout.strip() == "caught nothing_to_say"
    assert "Traceback" not in done.stderr and "failed with" not in done.stderr
