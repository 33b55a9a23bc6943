"""Every error the service reports, as exception classes with an HTTP status and a stable code.

The classes know nothing of HTTP frameworks: the synthesis core, the command line and
the job worker raise them too. ``app.api.errors`` turns them into JSON responses
(``{"error": {"code": ..., "message": ...}}`` plus details such as the parameter).
"""

from __future__ import annotations

from typing import Any


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


class SynthesisError(ApiError):
    """The loaded engine failed on this text."""

    status, code = 500, "synthesis_failed"


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
