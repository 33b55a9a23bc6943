"""POST/GET /tts: text in, audio out.

route → validate (app.schemas) → core (prepare, cache, admission, engine) → encode → respond.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.api.requests import parse_request
from app.api.responses import audio_response
from app.schemas import TTSParams
from app.synthesis import SynthesisRequest

bp = Blueprint("tts", __name__)


@bp.route("/tts", methods=["GET", "POST"])
def tts() -> Response:
    params: TTSParams = parse_request(TTSParams, request)
    return audio_response(SynthesisRequest.from_params(params), stream=params.stream, link=request.method == "GET")
