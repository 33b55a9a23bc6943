"""GET /api/voices: the voices and emotions a client can ask for."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api.context import get_service
from app.audio.prosody import EMOTIONS

bp = Blueprint("voices", __name__)


@bp.get("/api/voices")
def voices() -> Response:
    service = get_service()
    return jsonify(
        engine=service.engine.name,
        sample_rate=service.sample_rate,
        voices=[
            {"id": v.id, "name_zh": v.name_zh, "name_en": v.name_en, "gender": v.gender, "default": i == 0}
            for i, v in enumerate(service.voices())
        ],
        emotions=[{"id": e.id, "name_zh": e.name_zh, "name_en": e.name_en} for e in EMOTIONS.values()],
    )
