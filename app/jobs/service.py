"""Jobs as the web layer and the workers see them: submit, look up, cancel, recover, clean up.

The web workers submit and read jobs; the job workers run them (``app.jobs.runner``).
Both share the Redis store and the result directory, and either may notice a job
whose worker went silent and put it back in the queue (``recover``), so a job
killed with its worker is picked up again as soon as anyone looks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from app.config import Settings
from app.jobs.errors import JobGone, JobNotFinished, JobNotFound, JobsUnavailable, NoTimings
from app.jobs.files import ResultFiles
from app.jobs.state import QUEUED, SUCCEEDED, JobRecord, new_job_id
from app.jobs.store import JobCounts, JobStore
from app.synthesis import Job

log = logging.getLogger(__name__)

Send = Callable[[str], None]  # hands a job id to the workers (a Celery message)


class JobService:
    def __init__(self, settings: Settings, send: Send) -> None:
        self.settings = settings
        self.store = JobStore(settings.redis_url, ttl=settings.job_ttl, stale_after=settings.job_stale_after)
        self.files = ResultFiles(settings.job_path)
        self._send = send

    # -- the web side ----------------------------------------------------------------
    def submit(self, job: Job, client: str) -> JobRecord:
        """Queue a validated job (``Synthesizer.prepare`` checked it) for the workers."""
        now = time.time()
        record = JobRecord(
            id=new_job_id(),
            status=QUEUED,
            request=asdict(job.request),
            format=job.format,
            sample_rate=job.sample_rate,
            text_chars=len(job.request.text),
            client=client,
            created_at=now,
            expires_at=now + self.settings.job_ttl,
        )
        self.store.create(record, limit=self.settings.max_jobs_per_key)
        try:
            self._send(record.id)
        except Exception as exc:  # the broker is down: the job would wait for nothing
            log.error("job %s could not be queued: %s", record.id, exc)
            self.store.cancel(record.id)
            raise JobsUnavailable(f"the job queue (Redis) cannot be reached: {exc}") from exc
        return record

    def get(self, job_id: str, client: str) -> JobRecord:
        """The job, or 404 / 410. A job of another API key is "not found" for this one."""
        record = self.store.get(job_id)
        if record is None:
            reason = self.store.gone_reason(job_id)
            if reason is None:
                raise JobNotFound(f"no job '{job_id}'")
            self.files.remove_any(job_id)  # the file may outlive the record; not past a look
            raise JobGone(f"job '{job_id}' {'was deleted' if reason == 'deleted' else 'has expired'}")
        if record.client != client:
            raise JobNotFound(f"no job '{job_id}'")
        if record.stale(time.time(), self.settings.job_stale_after):
            self.recover(job_id)
        return record

    def result(self, job_id: str, client: str) -> tuple[JobRecord, Path]:
        record = self.get(job_id, client)
        if record.status != SUCCEEDED:
            detail = f" ({record.error_message})" if record.error_message else ""
            raise JobNotFinished(f"job '{job_id}' is {record.status}{detail}; its audio is not available")
        path = self.files.path(job_id, record.format)
        if not path.exists():  # removed from the volume by hand, or the volume is not shared
            raise JobGone(f"the result of job '{job_id}' is no longer on disk")
        return record, path

    def timings(self, job_id: str, client: str) -> dict:
        """A succeeded job's timings document (characters, sentences, marks, srt, vtt)."""
        self.result(job_id, client)
        try:
            return json.loads(self.files.timings_path(job_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NoTimings(f"job '{job_id}' has no timings: its engine does not give them") from None

    def cancel(self, job_id: str, client: str) -> tuple[JobRecord, str]:
        """Cancel a queued or running job (a running one stops after its current sentence), or
        delete an ended one; the result file goes either way."""
        record = self.get(job_id, client)
        outcome = self.store.cancel(job_id)
        if outcome == "missing":
            raise JobGone(f"job '{job_id}' has expired")
        self.files.remove(job_id, record.format)
        return record, outcome

    def counts(self) -> JobCounts:
        return self.store.counts()

    # -- either side -------------------------------------------------------------------
    def recover(self, job_id: str) -> bool:
        """Requeue a running job whose worker went silent; True if it was."""
        if self.store.recover(job_id) != "requeued":
            return False
        log.warning("job %s: its worker went silent; queued again", job_id)
        self._send(job_id)
        return True

    def sweep(self) -> None:
        """Requeue jobs of silent workers, forget expired queued ids, remove files of gone jobs."""
        for job_id in self.store.running_ids():
            self.recover(job_id)
        self.store.prune_queued()
        self.files.sweep(self.store.get)
