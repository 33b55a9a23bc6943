"""Every error the API returns, as exception classes turned into JSON in one place.

The body is always ``{"error": {"code": ..., "message": ...}}`` (plus optional
details such as the offending parameter); a client never sees an HTML page or
a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details = details
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"


class InvalidParameter(ApiError):
    status, code = 400, "invalid_parameter"


class TextTooLong(ApiError):
    status, code = 413, "text_too_long"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class EngineNotReady(ApiError):
    status, code = 503, "engine_unavailable"


class Overloaded(ApiError):
    """Every synthesis slot and queue place of this worker is taken."""

    status, code = 503, "overloaded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.headers["Retry-After"] = str(retry_after)


class DeadlineExceeded(ApiError):
    status, code = 504, "timeout"


class ClientDisconnected(ApiError):
    """The client went away; nobody will read this (499 is Nginx's code for it, used in logs)."""

    status, code = 499, "client_closed_request"


# Werkzeug's own errors (routing, method, body size …) mapped to stable codes.
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


def http_error_response(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 429:  # Flask-Limiter describes the limit, e.g. "60 per 1 minute"
        message = f"rate limit exceeded ({message}); retry after the time in Retry-After"
    error = ApiError(message, status=status, code=_HTTP_CODES.get(status, "http_error"))
    response = error_response(error)
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(ApiError("internal server error", status=500, code="internal_error"))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, _unexpected)
