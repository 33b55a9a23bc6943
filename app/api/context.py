"""The one door from the web layer to the synthesis core (like flaskr's ``get_db()``)."""

from __future__ import annotations

from flask import Flask, current_app

from app.synthesis import Synthesizer

_KEY = "huayin.synthesizer"


def init_service(app: Flask, synthesizer: Synthesizer) -> None:
    app.extensions[_KEY] = synthesizer


def get_service(app: Flask | None = None) -> Synthesizer:
    """This application's synthesizer (``app`` outside a request, e.g. gunicorn hooks)."""
    return (app or current_app).extensions[_KEY]
