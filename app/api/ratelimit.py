"""Rate limits (Flask-Limiter) on the synthesis routes, per API key or client address.

Counters live in Redis when ``TTS_REDIS_URL`` is set, so every worker and every
replica shares them; otherwise in each worker's memory. If Redis fails, requests
are let through (and the error logged) rather than refused: a rate limiter
should never take the service down.

``X-Forwarded-For`` is believed only when the connection comes from a trusted
proxy (``TTS_TRUSTED_PROXIES``); otherwise any client could pick its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, request

from app.api.auth import bearer_token, key_digest
from app.config import Network

if TYPE_CHECKING:
    from flask_limiter import Limiter

RATE_LIMITED_BLUEPRINTS = frozenset({"tts", "openai", "jobs"})
# Reading a job (status polls, a player's Range requests) makes no audio; counting those
# reads would let a progress bar use up the quota a client needs for synthesis.
FREE_READS_BLUEPRINTS = frozenset({"jobs"})


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote: str, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The client's address: the nearest hop not run by us, walking back through trusted proxies."""
    address = remote
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    while _trusted(address, trusted) and hops:
        address = hops.pop()
    return address


def init_rate_limits(
    app: Flask, limit: str, storage_uri: str, trusted: list[Network], *, keys_checked: bool
) -> Limiter | None:
    """``keys_checked``: API keys are on, so a bearer token names a real client. Without
    them any token would do, and a new one per request would dodge the limit."""
    if not limit:
        return None
    from flask_limiter import Limiter  # only where limits are configured (~8 MB per worker)

    def rate_key() -> str:
        token = bearer_token() if keys_checked else None
        if token is not None:
            return "key:" + key_digest(token).hex()[:24]
        return "ip:" + client_address(request.remote_addr or "", request.headers.get("X-Forwarded-For"), trusted)

    limiter = Limiter(
        rate_key,
        app=app,
        default_limits=[limit],
        storage_uri=storage_uri or "memory://",
        strategy="moving-window",
        headers_enabled=True,
        swallow_errors=True,
        key_prefix="huayin",
    )

    def exempt() -> bool:
        if request.blueprint not in RATE_LIMITED_BLUEPRINTS or request.method == "OPTIONS":
            return True
        return request.blueprint in FREE_READS_BLUEPRINTS and request.method in ("GET", "HEAD")

    limiter.request_filter(exempt)
    return limiter
