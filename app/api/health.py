"""Liveness and readiness probes. Neither ever runs inference."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers: nothing else is checked, so it stays fast under any load."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 once this worker's engine is loaded; otherwise 503, and loading starts."""
    host = current_app.extensions["tts"].host
    if host.ready:
        return jsonify(status="ready", engine=current_app.extensions["tts"].engine_info.name), 200
    error = host.error
    host.start_loading()
    body = {"status": "loading" if error is None else "unavailable"}
    if error:
        body["error"] = {"code": "engine_unavailable", "message": error}
    return jsonify(body), 503
