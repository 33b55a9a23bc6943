"""HTTP request bodies and query strings → validated parameter models (``app.schemas``)."""

from __future__ import annotations

from typing import Any

from flask import Request
from pydantic import BaseModel
from werkzeug.exceptions import BadRequest

from app.errors import InvalidRequest, UnsupportedMediaType
from app.schemas import known_fields, validate


def json_body(request: Request) -> Any:
    try:
        return request.get_json(force=True)
    except BadRequest:
        raise InvalidRequest("the request body is not valid JSON", code="invalid_json") from None
    except RecursionError:  # the JSON decoder recurses once per nesting level
        raise InvalidRequest("the JSON body is nested too deeply", code="invalid_json") from None


def parse_request(model: type[BaseModel], request: Request) -> Any:
    """Validate the body (POST) or query string (GET) of ``request`` against ``model``."""
    if request.method == "GET":
        return validate(model, known_fields(model, request.args), strict=False)
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return validate(model, json_body(request), strict=True)
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return validate(model, known_fields(model, request.form), strict=False)
    raise UnsupportedMediaType(
        "send JSON (Content-Type: application/json) or an HTML form (application/x-www-form-urlencoded)"
    )
