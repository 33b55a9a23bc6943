"""POST/GET /tts: text in, audio out; POST /tts/preview: how the text will be read.

route → validate (app.schemas) → core (prepare, cache, admission, engine) → encode → respond.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from app.api.context import get_service
from app.api.requests import parse_request
from app.api.responses import audio_response
from app.schemas import TTSParams
from app.synthesis import SynthesisRequest

bp = Blueprint("tts", __name__)


@bp.route("/tts", methods=["GET", "POST"])
def tts() -> Response:
    params: TTSParams = parse_request(TTSParams, request)
    return audio_response(SynthesisRequest.from_params(params), stream=params.stream, link=request.method == "GET")


@bp.post("/tts/preview")
def preview() -> Response:
    """The /tts fields in; for every sentence, the text as given, as it will be read and its pinyin
    (plus the spans that were rewritten, the polyphones decided and ruby pieces over the input)."""
    params: TTSParams = parse_request(TTSParams, request)
    sentences = get_service().preview(SynthesisRequest.from_params(params))
    return jsonify(sentences=[asdict(s) for s in sentences])
