"""HuaYin: a self-hosted Chinese text-to-speech web service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | Settings | None = None) -> Flask:
    """Build the Flask application. ``config`` overrides ``TTS_*`` environment settings."""
    from app.api import docs, health, openai, tts, ui, voices
    from app.auth import init_auth
    from app.engines import create_engine
    from app.errors import register_error_handlers
    from app.logs import configure_logging, init_request_logging
    from app.metrics import init_metrics
    from app.ratelimit import init_rate_limits
    from app.security import init_security
    from app.synthesis.host import EngineHost
    from app.synthesis.service import SynthesisService

    settings = config if isinstance(config, Settings) else load_settings(config)
    configure_logging(settings.log_level)

    app = Flask(__name__, static_folder=str(ROOT / "static"), template_folder=str(ROOT / "templates"))
    app.json.ensure_ascii = False  # Chinese labels stay readable in JSON
    host = EngineHost(lambda: create_engine(settings), threads=settings.synthesis_threads)
    app.extensions["tts"] = SynthesisService(settings, host)

    for blueprint in (tts.bp, openai.bp, voices.bp, health.bp, ui.bp, docs.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    init_request_logging(app)
    init_security(app, settings.cors_origins)
    init_auth(app, settings.api_key_list)  # before the limiter: bad keys are refused, not counted
    init_rate_limits(
        app,
        settings.rate_limit,
        settings.redis_url,
        settings.trusted_proxies,
        keys_checked=bool(settings.api_key_list),
    )
    init_metrics(app)
    return app
