"""GET /api/voices: the voices and emotions a client can ask for."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from app.audio.prosody import EMOTIONS

bp = Blueprint("voices", __name__)


@bp.get("/api/voices")
def voices() -> Response:
    engine = current_app.extensions["tts"].engine_info
    return jsonify(
        engine=engine.name,
        sample_rate=engine.sample_rate,
        voices=[
            {"id": v.id, "name_zh": v.name_zh, "name_en": v.name_en, "gender": v.gender, "default": i == 0}
            for i, v in enumerate(engine.voices)
        ],
        emotions=[{"id": e.id, "name_zh": e.name_zh, "name_en": e.name_en} for e in EMOTIONS.values()],
    )
