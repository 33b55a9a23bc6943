"""Running one job in a job worker: claim it, synthesise it sentence by sentence with the same
core as ``/tts`` (``Synthesizer.prepare → plan → render``), write the file, record the end.

After every sentence the progress goes to Redis, and the answer says whether to go
on: a job cancelled, expired or taken over by another worker stops there. A
heartbeat thread keeps the job marked alive between sentences too (a slow sentence
or the final encoding must not look like a dead worker). If this process dies,
the heartbeat stops, and after ``TTS_JOB_STALE_AFTER`` seconds any worker's sweep
(or the status endpoint) puts the job back in the queue.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.errors import ApiError
from app.jobs.files import AudioFileWriter, ResultFiles
from app.jobs.state import CANCELLED, FAILED, SUCCEEDED
from app.jobs.store import JobStore
from app.synthesis import Deadline, SynthesisRequest, Synthesizer
from app.synthesis.timings import TimingWriter, job_timings

log = logging.getLogger(__name__)


def new_owner() -> str:
    """Who runs a job: host, process and a random tag (a pid is reused after a restart)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:40]
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


class Stopped(Exception):
    """The job is no longer this worker's to run (cancelled, expired, or retried elsewhere)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


@dataclass
class JobRunner:
    store: JobStore
    files: ResultFiles
    synthesizer: Synthesizer

    def run(self, job_id: str) -> str:
        """Run ``job_id`` if it is this worker's to run; returns what happened (for the log)."""
        owner = new_owner()
        claimed = self.store.claim(job_id, owner)
        if claimed != "claimed":
            # "busy": another worker runs it and is alive; if it dies, the sweep requeues it.
            log.info("job %s not run here: %s", job_id, claimed)
            return claimed
        record = self.store.get(job_id)
        if record is None:
            return "missing"
        log.info("job %s started (attempt %d, %d characters)", job_id, record.attempts, record.text_chars)
        try:
            with self._heartbeat(job_id, owner):
                audio_seconds = self._synthesise(job_id, owner, SynthesisRequest(**record.request))
        except Stopped as stop:
            if stop.state == CANCELLED:
                self.files.remove(job_id, record.format)  # in case DELETE came while the file was renamed
            log.info("job %s stopped: %s", job_id, stop.state)
            return stop.state
        except ApiError as exc:  # the text or the engine: a clear reason for the client
            self.store.finish(job_id, owner, FAILED, exc.code, exc.message)
            log.warning("job %s failed: %s", job_id, exc.message)
            return FAILED
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self.store.finish(job_id, owner, FAILED, "internal_error", f"synthesis failed: {type(exc).__name__}")
            return FAILED
        ended = self.store.finish(job_id, owner, SUCCEEDED)
        if ended != "ok":  # cancelled (or expired) just as it finished
            self.files.remove(job_id, record.format)
            return ended
        log.info("job %s succeeded: %.1f s of audio", job_id, audio_seconds)
        return SUCCEEDED

    def _synthesise(self, job_id: str, owner: str, request: SynthesisRequest) -> float:
        synthesizer = self.synthesizer
        job = synthesizer.prepare(request, max_chars=None)  # the limit was checked on submission
        pieces = synthesizer.plan(job)
        self._progress(job_id, owner, 0, len(pieces), 0.0)
        rate = synthesizer.sample_rate
        audio_seconds = 0.0
        with self.files.writing(job_id, job.format, owner) as file:
            writer = AudioFileWriter(file, job.format, rate, job.sample_rate)
            timings = TimingWriter(job, rate) if synthesizer.engine.timings else None
            parts = []
            for done, rendered in enumerate(synthesizer.render(pieces, Deadline(None)), start=1):
                writer.write(rendered.audio)
                if timings is not None:
                    parts.append(timings.add(rendered.timeline, len(rendered.audio)))
                audio_seconds += len(rendered.audio) / rate
                self._progress(job_id, owner, done, len(pieces), audio_seconds)
            writer.finish()
            if timings is not None:
                self.files.write_timings(job_id, owner, job_timings(timings, parts, audio_seconds))
            # Last look before the file is renamed: a job cancelled meanwhile leaves no result.
            self._progress(job_id, owner)
        return audio_seconds

    def _progress(self, job_id: str, owner: str, *progress: float) -> None:
        state = self.store.progress(job_id, owner, *progress)  # type: ignore[arg-type]
        if state != "running":
            raise Stopped(state)

    @contextmanager
    def _heartbeat(self, job_id: str, owner: str) -> Iterator[None]:
        stop = threading.Event()
        interval = self.store.stale_after / 4

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    if self.store.progress(job_id, owner) != "running":
                        return
                except ApiError:  # Redis briefly away: the next beat tries again
                    log.warning("job %s: heartbeat failed", job_id)

        thread = threading.Thread(target=beat, name=f"heartbeat-{job_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
