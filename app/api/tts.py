"""POST/GET /tts: text in, audio out.

route → validate → service (engine) → encode → respond.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request

from app.audio.encode import FORMATS, encode
from app.schemas import TTSParams, parse_request
from app.synthesis.service import Request, SynthesisService

bp = Blueprint("tts", __name__)


def _service() -> SynthesisService:
    return current_app.extensions["tts"]


def _filename(params: TTSParams) -> str:
    digest = hashlib.sha1(params.model_dump_json().encode()).hexdigest()[:10]
    return f"huayin-{params.emotion}-{digest}.{FORMATS[params.format].extension}"


@bp.route("/tts", methods=["GET", "POST"])
def tts() -> Response:
    params: TTSParams = parse_request(TTSParams, request)
    result = _service().synthesize(
        Request(
            text=params.text,
            voice=params.voice,
            emotion=params.emotion,
            intensity=params.intensity,
            speed=params.speed,
            pitch=params.pitch,
            volume=params.volume,
        )
    )
    body = encode(result.audio, result.sample_rate, params.format)
    response = Response(body, mimetype=FORMATS[params.format].mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(params)}"'
    response.headers["X-Audio-Duration"] = f"{result.duration:.3f}"
    response.headers["X-Synthesis-Time"] = f"{result.synthesis_seconds:.3f}"
    response.headers["X-Sample-Rate"] = str(result.sample_rate)
    response.headers["Cache-Control"] = "no-store"
    return response
