"""Liveness and readiness probes. Neither ever runs inference."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api.context import get_service

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers: nothing else is checked, so it stays fast under any load."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 once this worker's engine is loaded; otherwise 503, and loading starts."""
    service = get_service()
    readiness = service.readiness()
    if readiness.ready:
        return jsonify(status="ready", engine=service.engine.name, shared_cache=readiness.shared_cache), 200
    body: dict = {"status": readiness.status, "shared_cache": readiness.shared_cache}
    if readiness.error:
        body["error"] = {"code": "engine_unavailable", "message": readiness.error}
    return jsonify(body), 503
