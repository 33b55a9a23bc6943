"""Logging: JSON lines on stderr, one access line per request, request ids.

Every log line is one JSON object. Each request gets an ``X-Request-ID`` (the
client's or Nginx's if well-formed, else a new one), returned in the response
and written in its access line. Texts are not logged unless ``TTS_LOG_TEXTS``.
"""

from __future__ import annotations

import logging
import logging.config
import os
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Dict for logging.config.dictConfig; gunicorn.conf.py uses it for gunicorn's own loggers too.
LOGGING_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FORMAT,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        }
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},  # replaced by our access line
    },
}

access_log = logging.getLogger("huayin.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def configure_logging(level: str) -> None:
    """JSON logging for this process, unless something (gunicorn, a test) configured it already."""
    root = logging.getLogger()
    if not root.handlers:
        logging.config.dictConfig(LOGGING_CONFIG)
    root.setLevel(level.upper())


def _start() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.request_id
    line: dict[str, Any] = {
        "request_id": g.request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "remote_addr": request.remote_addr,
        "worker_pid": os.getpid(),
    }
    line.update(g.get("tts_log", {}))
    started = g.started
    stream = g.get("tts_stream")
    if stream is None:
        _write(line, started)
    else:
        # The body is produced after this hook: log once it has been sent.
        response.call_on_close(lambda: _write({**line, "audio_seconds": round(stream.produced, 3)}, started))
    return response


def _write(line: dict[str, Any], started: float) -> None:
    line["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    access_log.info("request", extra=line)


def init_request_logging(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
