"""gunicorn settings for HuaYin. Every value comes from ``TTS_*`` settings (app/config.py).

Run: ``gunicorn -c gunicorn.conf.py "app:create_app()"``.

Synthesis is CPU-bound and runs on OS threads beside each worker's gevent loop,
so the default is one worker per CPU: more workers would only compete for the
same cores (and each holds its own copy of the models).
"""

from __future__ import annotations

from app.config import load_settings

_settings = load_settings()

wsgi_app = "app:create_app()"
bind = [f"{_settings.host}:{_settings.port}"]
worker_class = "gevent"
workers = _settings.workers
worker_connections = 1000
timeout = _settings.timeout
graceful_timeout = 30
keepalive = _settings.keepalive
loglevel = _settings.log_level
accesslog = "-"
errorlog = "-"
# /dev/shm keeps the heartbeat file off slow or read-only disks (containers).
worker_tmp_dir = "/dev/shm"
forwarded_allow_ips = "127.0.0.1,::1"


def post_worker_init(worker) -> None:
    """Load the engine as soon as the worker starts, so no user request pays for it."""
    if _settings.warmup:
        worker.wsgi.extensions["tts"].warm_up()
