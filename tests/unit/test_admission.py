"""Admission control and deadlines, without a server: slots, the queue, fast refusal, timeouts."""

from __future__ import annotations

import threading
import time

import pytest

from app.errors import DeadlineExceeded, Overloaded
from app.synthesis.admission import Admission, Deadline


def hold_slots(admission: Admission, count: int, release: threading.Event) -> list[threading.Thread]:
    """Start ``count`` threads that each take a slot (or a queue place) and wait for ``release``."""
    entered = threading.Semaphore(0)

    def hold() -> None:
        with admission.slot(Deadline(30)):
            entered.release()
            release.wait(30)

    threads = [threading.Thread(target=hold, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for _ in range(min(count, admission.concurrency)):
        assert entered.acquire(timeout=10)
    return threads


def test_requests_beyond_slots_and_queue_are_refused_at_once_with_retry_after():
    admission = Admission(concurrency=1, queue=1)
    release = threading.Event()
    threads = hold_slots(admission, 2, release)  # one running, one waiting
    deadline = time.monotonic() + 5
    while admission.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(Overloaded) as refused, admission.slot(Deadline(30)):
        pass
    assert time.monotonic() - started < 0.1
    assert int(refused.value.headers["Retry-After"]) >= 1
    release.set()
    for thread in threads:
        thread.join(10)
    assert admission.idle


def test_a_queued_request_gives_up_at_its_deadline():
    admission = Admission(concurrency=1, queue=4)
    release = threading.Event()
    threads = hold_slots(admission, 1, release)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="waiting for a synthesis slot"), admission.slot(Deadline(0.2)):
        pass
    assert 0.15 < time.monotonic() - started < 2
    release.set()
    threads[0].join(10)
    assert admission.idle


def test_slots_are_released_when_the_block_raises():
    admission = Admission(concurrency=1, queue=0)
    with pytest.raises(RuntimeError), admission.slot(Deadline(5)):
        raise RuntimeError("synthesis failed")
    with admission.slot(Deadline(5)):  # the slot is free again
        assert not admission.idle
    assert admission.idle


def test_a_deadline_without_seconds_never_expires():
    deadline = Deadline(None)
    assert deadline.check() is None
    with Admission(1, 0).slot(deadline):
        pass


def test_an_expired_deadline_raises_a_504_error():
    deadline = Deadline(0.0)
    with pytest.raises(DeadlineExceeded) as exceeded:
        deadline.check()
    assert exceeded.value.status == 504
