"""One JSON access line per request, with a request id.

Each request gets an ``X-Request-ID`` (the client's or Nginx's if well-formed,
else a new one), returned in the response and written in its access line.
Synthesis fields come from the response's own result (``AudioResponse``); texts
are not logged unless ``TTS_LOG_TEXTS``.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

from app.api.responses import AudioResponse

access_log = logging.getLogger("huayin.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def init_access_log(app: Flask, *, log_texts: bool) -> None:
    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.request_id
        line: dict[str, Any] = {
            "request_id": g.request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "remote_addr": request.remote_addr,
            "worker_pid": os.getpid(),
        }
        started = g.started
        if not isinstance(response, AudioResponse):
            _write(line, started)
        elif not response.streamed:
            _write({**line, **response.log_fields(with_text=log_texts)}, started)
        else:  # the body is produced after this hook: log once it has been sent
            response.call_on_close(lambda: _write({**line, **response.log_fields(with_text=log_texts)}, started))
        return response


def _write(line: dict[str, Any], started: float) -> None:
    line["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    access_log.info("request", extra=line)
