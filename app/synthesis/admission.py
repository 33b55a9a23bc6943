"""Admission control: how many syntheses a worker runs and queues, and no more.

A request beyond the queue is refused at once (503 with Retry-After) instead of
joining a pile-up that would time out anyway. Waiting requests are served in
arrival order and give up at their deadline (504).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from typing import NoReturn

from app import metrics
from app.errors import DeadlineExceeded, Overloaded


class Deadline:
    """The moment a request must be finished by; ``None`` seconds: no deadline (command line, jobs)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = math.inf if seconds is None else time.monotonic() + seconds
        self._counted = False

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def fail(self, while_: str = "") -> NoReturn:
        """Give up: count the timeout (once per request: the waiting caller and the synthesis
        thread may both find it passed) and raise DeadlineExceeded."""
        if not self._counted:
            self._counted = True
            metrics.REJECTED.labels(reason="timeout").inc()
        raise DeadlineExceeded(f"the request did not finish within {self.seconds:g} seconds{while_}")

    def check(self) -> float | None:
        """Seconds left (None: unlimited); raises DeadlineExceeded when none are."""
        if self.seconds is None:
            return None
        left = self.remaining()
        if left <= 0:
            self.fail()
        return left


class Admission:
    """Per-worker limits. Uses ``threading`` primitives, which gevent makes greenlet-aware."""

    def __init__(self, concurrency: int, queue: int) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self._mean_seconds = 1.0  # moving average of a request's run time, for Retry-After

    @property
    def idle(self) -> bool:
        return self._admitted == 0

    @property
    def waiting(self) -> int:
        return max(0, self._admitted - self.concurrency)

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the queue ahead, drained at the measured pace."""
        return max(1, math.ceil(self._mean_seconds * (self.waiting + 1) / self.concurrency))

    @contextlib.contextmanager
    def slot(self, deadline: Deadline) -> Iterator[None]:
        """Hold a synthesis slot for the duration of the block."""
        with self._lock:
            if self._admitted >= self.concurrency + self.queue:
                metrics.REJECTED.labels(reason="overloaded").inc()
                raise Overloaded(
                    "the server is busy: try again shortly",
                    retry_after=self.retry_after(),
                )
            self._admitted += 1
            metrics.QUEUE_DEPTH.set(self.waiting)
        try:
            wait = None if deadline.seconds is None else max(0.0, deadline.remaining())
            if not self._slots.acquire(timeout=wait):
                deadline.fail(" (waiting for a synthesis slot)")
            started = time.monotonic()
            try:
                yield
            finally:
                self._slots.release()
                self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * (time.monotonic() - started)
        finally:
            with self._lock:
                self._admitted -= 1
                metrics.QUEUE_DEPTH.set(self.waiting)
