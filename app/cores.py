"""Which of this host's cores are busy with synthesis, as every HuaYin process sees it.

One request's vocoder work can be spread over idle cores (``engines/vocoder.py``),
but only while they really are idle: under load, splitting a sentence costs extra
work (the context frames each part needs) and slows everybody down. The gunicorn
workers, job workers and command lines on a host are separate processes, so a
count kept in one process would not know about the others.

Each core is a file in a directory shared by those processes; a thread that
works holds an exclusive ``flock`` on one of them. ``flock`` locks belong to an
open file, so threads of one process exclude each other as processes do, and the
kernel releases them when a process dies, even by SIGKILL: a crash never leaves a
core claimed. Claiming never waits. A claim costs a few system calls (~10 µs),
against the tens of milliseconds of work it covers.

Work is spread only over cores that *stay* idle (``spare``). Under load a core
is unclaimed for moments, while another worker is between two steps of a
request; work spread into such a moment then competes for that core with what
starts there next, and every process slows down. So once an attempt has found
a wanted core busy, nothing is spread for BUSY_MEMORY_S.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

# How long after finding a wanted core busy nothing is spread (saturated throughput, make bench:
# 10 % of vocoder calls were spread into such moments without it, 0.92× the bare engine).
BUSY_MEMORY_S = 2.0


def default_directory() -> Path:
    """One directory per user per host (in a container: per container)."""
    return Path(tempfile.gettempdir()) / f"huayin-cores-{os.getuid()}"


class CoreClaims:
    def __init__(self, cores: int, directory: Path | None = None) -> None:
        self.cores = max(1, cores)
        self._paths: list[Path] = []
        self._busy_seen = float("-inf")  # when ``spare`` last found a wanted core busy
        directory = directory or default_directory()
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
            for i in range(self.cores):
                path = directory / f"core-{i}"
                path.touch(mode=0o600, exist_ok=True)
                self._paths.append(path)
        except OSError as exc:
            # Without the files nothing is known of other processes: never claim an idle core.
            log.warning("core claims unavailable in %s (%s): no work is spread over cores", directory, exc)
            self._paths = []

    @property
    def shared(self) -> bool:
        return bool(self._paths)

    def _claim_one(self) -> int | None:
        """An open, locked descriptor of a free core's file, or None when every core is claimed."""
        for path in self._paths:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                os.close(fd)
        return None

    @contextlib.contextmanager
    def claim(self, most: int = 1) -> Iterator[int]:
        """Hold up to ``most`` free cores for the block; yields how many were free (maybe 0)."""
        held: list[int] = []
        try:
            while len(held) < most and (fd := self._claim_one()) is not None:
                held.append(fd)
            yield len(held)
        finally:
            for fd in held:
                os.close(fd)  # closing the file releases its lock

    @contextlib.contextmanager
    def spare(self, most: int) -> Iterator[int]:
        """Like ``claim``, for cores to spread work over: none while an attempt in the last
        BUSY_MEMORY_S found fewer than ``most`` free (then nothing is claimed at all)."""
        if most <= 0 or time.monotonic() - self._busy_seen <= BUSY_MEMORY_S:
            yield 0
            return
        with self.claim(most) as free:
            if free < most:
                self._busy_seen = time.monotonic()
            yield free

    def busy(self) -> int:
        """Cores claimed right now, by any process (for tests and diagnostics)."""
        with self.claim(self.cores) as free:
            return self.cores - free if self.shared else 0
