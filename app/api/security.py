"""Browser security headers on every response, and CORS when configured.

The WebUI and the API docs load only their own scripts and styles: the Content
Security Policy allows no inline script, no foreign origin, and no framing.
CORS is off unless ``TTS_CORS_ORIGINS`` names the origins allowed to call the API.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Response headers a cross-origin page may read (audio metadata, rate limits, tracing).
EXPOSED_HEADERS = (
    "X-Audio-Duration",
    "X-Synthesis-Time",
    "X-Cache",
    "X-Sample-Rate",
    "X-Request-ID",
    "Content-Disposition",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def init_security(app: Flask, cors_origins: str) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    origins = [o.strip() for o in cors_origins.split(",") if o.strip()]
    if origins:
        CORS(
            app,
            origins="*" if origins == ["*"] else origins,
            allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
            expose_headers=list(EXPOSED_HEADERS),
            max_age=600,
        )
