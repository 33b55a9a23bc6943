"""Long-text jobs: submitted over HTTP, queued in Redis, synthesised by Celery job workers.

``celery -A app.jobs worker`` finds the Celery app as ``app.jobs.celery``; it is
built from the ``TTS_*`` settings on first access, so importing this package
(as the web layer does) connects to nothing. When a job worker process starts,
it loads the engine and starts its sweeper at once, so the first job waits for
nothing and jobs of killed workers are picked up again.

Layers: ``api.jobs`` (HTTP) → ``jobs`` (state, queue, files) → ``synthesis`` (the core).
"""

from __future__ import annotations

from typing import Any

__all__ = ["celery"]

_celery: Any = None


def __getattr__(name: str) -> Any:
    global _celery
    if name != "celery":
        raise AttributeError(name)
    if _celery is None:
        from celery.signals import worker_process_init  # here: web workers without jobs never load Celery

        from app.config import ConfigError, load_settings
        from app.jobs.worker import make_celery, worker_runtime
        from app.logs import configure_logging

        settings = load_settings()
        if not settings.redis_url:  # Celery would try RabbitMQ on localhost instead
            raise ConfigError("a job worker needs Redis: set TTS_REDIS_URL (e.g. redis://localhost:6379/0)")
        configure_logging(settings.log_level)
        _celery = make_celery(settings)

        @worker_process_init.connect(weak=False)
        def _start(**_: Any) -> None:
            worker_runtime(settings, _celery)

    return _celery
