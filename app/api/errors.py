"""Errors become JSON responses here, in one place, for the whole application.

A client never sees an HTML page or a stack trace: the service's own errors
(``app.errors``), Werkzeug's (routing, method, body size …) and anything
unexpected all answer ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from app.errors import ApiError

log = logging.getLogger(__name__)

# Werkzeug's own errors mapped to stable codes.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(error: ApiError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def as_api_error(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 429:  # Flask-Limiter describes the limit, e.g. "60 per 1 minute"
        message = f"rate limit exceeded ({message}); retry after the time in Retry-After"
    error = ApiError(message, status=status, code=_HTTP_CODES.get(status, "http_error"))
    if status == 405 and getattr(exc, "valid_methods", None):
        error.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error


def http_error_response(exc: HTTPException) -> Response:
    return error_response(as_api_error(exc))


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(ApiError("internal server error", status=500, code="internal_error"))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, _unexpected)
