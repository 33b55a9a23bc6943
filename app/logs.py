"""Logging configuration: every log line is one JSON object on stderr.

Used by the app, gunicorn (``gunicorn.conf.py``), the job worker and the command
line. The per-request access line is written by ``app.api.access_log``.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

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


def configure_logging(level: str) -> None:
    """JSON logging for this process, unless something (gunicorn, a test) configured it already."""
    root = logging.getLogger()
    if not root.handlers:
        logging.config.dictConfig(LOGGING_CONFIG)
    root.setLevel(level.upper())
