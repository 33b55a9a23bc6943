"""HuaYin: a self-hosted Chinese text-to-speech web service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from app.config import Settings, load_settings

if TYPE_CHECKING:
    from app.engines import Engine

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config: dict[str, Any] | Settings | None = None, *, engine_factory: Callable[[], Engine] | None = None
) -> Flask:
    """Build the Flask application. ``config`` overrides ``TTS_*`` environment settings;
    ``engine_factory`` replaces how the configured engine is built (tests inject stand-ins)."""
    from app.api import init_api
    from app.logs import configure_logging
    from app.synthesis import Synthesizer

    settings = config if isinstance(config, Settings) else load_settings(config)
    configure_logging(settings.log_level)
    app = Flask(__name__, static_folder=str(ROOT / "static"), template_folder=str(ROOT / "templates"))
    app.json.ensure_ascii = False  # Chinese labels stay readable in JSON
    init_api(app, Synthesizer(settings, engine_factory))
    return app
