"""The web layer: blueprints that translate HTTP to calls on the synthesis core and back,
plus what every response gets (errors as JSON, access log, security headers, keys,
rate limits, metrics)."""

from __future__ import annotations

from flask import Flask

from app.synthesis import Synthesizer


def init_api(app: Flask, synthesizer: Synthesizer) -> None:
    from app.api import docs, health, jobs, openai, tts, ui, voices
    from app.api.access_log import init_access_log
    from app.api.auth import init_auth
    from app.api.context import init_service
    from app.api.errors import register_error_handlers
    from app.api.metrics import init_metrics
    from app.api.ratelimit import init_rate_limits
    from app.api.security import init_security

    settings = synthesizer.settings
    init_service(app, synthesizer)
    jobs.init_jobs(app, settings)
    for blueprint in (tts.bp, openai.bp, jobs.bp, voices.bp, health.bp, ui.bp, docs.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    init_access_log(app, log_texts=settings.log_texts)
    init_security(app, settings.cors_origins)
    init_auth(app, settings.api_key_list)  # before the limiter: bad keys are refused, not counted
    init_rate_limits(
        app,
        settings.rate_limit,
        settings.redis_url,
        settings.trusted_networks,
        keys_checked=bool(settings.api_key_list),
    )
    init_metrics(app, jobs.collectors(app))
