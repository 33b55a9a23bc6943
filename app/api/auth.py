"""Optional API keys: with ``TTS_API_KEYS`` set, API routes need ``Authorization: Bearer <key>``.

Probes, metrics, the WebUI page, its static files and the API documentation stay
open. Keys are compared as SHA-256 digests with ``hmac.compare_digest`` against
every configured key, so the time taken says nothing about how much of a key
was right.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, request

from app.errors import ApiError

# Blueprints whose routes synthesise or describe the API's resources.
PROTECTED_BLUEPRINTS = frozenset({"tts", "voices", "openai", "jobs"})


class Unauthorized(ApiError):
    status, code = 401, "invalid_api_key"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.headers["WWW-Authenticate"] = 'Bearer realm="huayin"'


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def key_matches(token: str, digests: list[bytes]) -> bool:
    presented = key_digest(token)
    matched = False
    for digest in digests:  # no early exit: every key is compared every time
        matched |= hmac.compare_digest(presented, digest)
    return matched


def init_auth(app: Flask, keys: tuple[str, ...]) -> None:
    if not keys:
        return
    digests = [key_digest(k) for k in keys]

    @app.before_request
    def require_api_key() -> None:
        if request.blueprint not in PROTECTED_BLUEPRINTS or request.method == "OPTIONS":
            return
        token = bearer_token()
        if token is None:
            raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>'", code="missing_api_key")
        if not key_matches(token, digests):
            raise Unauthorized("the API key is not valid")
