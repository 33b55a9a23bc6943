"""The API description (``/openapi.json``) and interactive docs (``/docs``), offline.

Swagger UI's files come from the ``swagger-ui-bundle`` package and are served
from here, so the page needs no CDN; its start-up script is a static file, as
the Content Security Policy allows no inline script.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from app.api.context import get_service
from app.api.openapi import build

bp = Blueprint("docs", __name__)

SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})


@bp.get("/openapi.json")
def openapi() -> Response:
    document = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = build(get_service().settings)
    return jsonify(document)


@bp.get("/docs")
def docs() -> str:
    return render_template("docs.html")


@bp.get("/docs/assets/<name>")
def assets(name: str) -> Response:
    if name not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(Path(swagger_ui_path), name, max_age=86400)
