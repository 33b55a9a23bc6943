"""gunicorn settings for HuaYin. Every value comes from ``TTS_*`` settings (app/config.py).

Run: ``gunicorn -c gunicorn.conf.py`` (the app is ``app:create_app()``).

Synthesis is CPU-bound and runs on OS threads beside each worker's gevent loop,
so the default is one worker per CPU: more workers would only compete for the
same cores (and each holds its own copy of the models).
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

from app.config import load_settings
from app.logs import LOGGING_CONFIG

_settings = load_settings()

# Metrics of all workers are shared through files in this directory. It must be
# set before any worker imports prometheus_client, hence here, in the master.
# gunicorn runs this file again on SIGHUP: the directory, and the counts in it, stay.
_PREPARED = "HUAYIN_METRICS_DIR_PREPARED"  # set once this master has prepared the directory
if os.environ.get(_PREPARED):
    _own_metrics_dir = os.environ[_PREPARED] == "own"
elif not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="huayin-metrics-")
    _own_metrics_dir = True
else:
    _own_metrics_dir = False
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)  # values from a previous run would be added to ours
os.environ[_PREPARED] = "own" if _own_metrics_dir else "given"

wsgi_app = "app:create_app()"
bind = [f"{_settings.host}:{_settings.port}"]
worker_class = "gevent"
workers = _settings.workers
worker_connections = 1000
timeout = _settings.timeout
graceful_timeout = _settings.graceful_timeout
keepalive = _settings.keepalive
# Restart workers now and then (jittered so they do not restart together): a
# safety net against slow leaks in native libraries.
max_requests = _settings.max_requests
max_requests_jitter = _settings.max_requests_jitter
# /dev/shm keeps the heartbeat file off slow or read-only disks (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = _settings.trusted_proxies  # the same proxies the rate limiter believes
# gunicorn's control socket (in $HOME) is not used; several servers on one host would collide on it.
control_socket_disable = True
loglevel = _settings.log_level
logconfig_dict = LOGGING_CONFIG
accesslog = None  # the app writes one JSON access line per request itself


def on_starting(server) -> None:
    """Read the pronunciation lexicon once, in the master: a bad entry stops the start, naming its line."""
    if _settings.lexicon:
        from app.synthesis.lexicons import load_deployment_lexicon
        from app.text.user_lexicon import LexiconError

        try:
            load_deployment_lexicon(_settings.lexicon)
        except LexiconError as exc:
            raise SystemExit(f"TTS_LEXICON: {exc}") from None


def on_reload(server) -> None:
    """SIGHUP: read the lexicon again before the new workers start (they inherit it); a file that no
    longer loads is reported and the previous lexicon stays."""
    if _settings.lexicon:
        from app.synthesis.lexicons import reload_deployment_lexicon

        reload_deployment_lexicon(_settings.lexicon)


def post_fork(server, worker) -> None:
    from app.memory import tune_allocator

    tune_allocator()


def post_worker_init(worker) -> None:
    """Load the engine as soon as the worker starts, so no user request pays for it."""
    if _settings.warmup:
        from app.api.context import get_service

        get_service(worker.wsgi).warm_up()


def child_exit(server, worker) -> None:
    """A dead worker's live gauges (queue depth …) must not count any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
