"""The Celery application: Redis is the broker, a job worker runs ``huayin.jobs.synthesise``.

Run a worker with ``make worker`` (``celery -A app.jobs worker --concurrency=1``):
one synthesis at a time per worker process, like a gunicorn worker; add workers
(processes, containers) to add throughput. The message only carries the job id;
everything else is in the job's record (``app.jobs.store``).

Delivery: a message is acknowledged when its job ends (``task_acks_late``), and
when the pool process running it dies the message goes back to the queue
(``task_reject_on_worker_lost``); a worker takes one message at a time
(``worker_prefetch_multiplier=1``) so jobs wait in Redis, where any idle worker
can take them, not in a busy worker's buffer. Redis redelivers a message nobody
acknowledged after the transport's ``visibility_timeout``: it is set above the
longest job, so a running job is not sent again needlessly. A second delivery
would be harmless anyway: the claim refuses a job whose heartbeat is fresh. A
job whose worker was killed outright does not wait for that timeout either: its
heartbeat stops, and after ``TTS_JOB_STALE_AFTER`` seconds the sweep of any
worker (or a client asking for its status) puts it back in the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from celery import Celery

from app.config import Settings
from app.jobs.files import ResultFiles
from app.jobs.runner import JobRunner
from app.jobs.service import JobService, Send

log = logging.getLogger(__name__)

TASK_NAME = "huayin.jobs.synthesise"
QUEUE = "huayin-jobs"
# Above the longest job: 200,000 characters take about 40 minutes on one worker.
VISIBILITY_TIMEOUT_S = 6 * 3600


def make_celery(settings: Settings) -> Celery:
    """The Celery app for ``settings``: web workers send with it, job workers run it."""
    celery = Celery("huayin", broker=settings.redis_url or None, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        broker_connection_retry_on_startup=True,
        task_default_queue=QUEUE,
        task_ignore_result=True,  # the job's record in Redis is its result
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )

    @celery.task(name=TASK_NAME)
    def synthesise(job_id: str) -> str:
        runtime = worker_runtime(settings, celery)
        try:
            return runtime.runner.run(job_id)
        finally:
            runtime.sweep()

    return celery


def sender(celery: Celery) -> Send:
    return lambda job_id: celery.send_task(TASK_NAME, args=[job_id], queue=QUEUE)


@dataclass
class WorkerRuntime:
    """What a job worker process holds: the core (models loaded once), the store and a sweeper."""

    service: JobService
    runner: JobRunner

    def sweep(self) -> None:
        try:
            self.service.sweep()
        except Exception:  # never let housekeeping fail a job or kill the sweeper
            log.exception("job sweep failed")

    def start_sweeper(self) -> None:
        """Sweep at start (a restarted worker picks up its predecessor's job) and then every
        half ``TTS_JOB_STALE_AFTER``; the thread ends with the process."""
        interval = self.service.settings.job_stale_after / 2

        def loop() -> None:
            while True:
                self.sweep()
                time.sleep(interval)

        threading.Thread(target=loop, name="job-sweeper", daemon=True).start()


_runtime: WorkerRuntime | None = None
_runtime_lock = threading.Lock()


def worker_runtime(settings: Settings, celery: Celery) -> WorkerRuntime:
    """This process's runtime, made on first use (after the pool forked, so each process
    loads its own models and threads)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            from app.synthesis import Synthesizer

            service = JobService(settings, sender(celery))
            synthesizer = Synthesizer(settings)
            _runtime = WorkerRuntime(service, JobRunner(service.store, ResultFiles(settings.job_path), synthesizer))
            if settings.warmup:
                synthesizer.warm_up()
            _runtime.start_sweeper()
        return _runtime
