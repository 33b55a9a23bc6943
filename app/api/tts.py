"""POST/GET /tts: text in, audio out.

route → validate → service (cache, admission, engine) → encoded audio → respond.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from app.api.connection import disconnect_check
from app.audio.encode import FORMATS
from app.schemas import TTSParams, parse_request
from app.synthesis.service import Job, Request, SynthesisService

bp = Blueprint("tts", __name__)


def _service() -> SynthesisService:
    return current_app.extensions["tts"]


def _headers(job: Job) -> dict[str, str]:
    digest = job.cache_key[:10]
    fmt = FORMATS[job.format]
    return {
        "Content-Disposition": f'inline; filename="huayin-{job.request.emotion}-{digest}.{fmt.extension}"',
        "X-Sample-Rate": str(job.sample_rate),
        "Cache-Control": "no-store",
    }


@bp.route("/tts", methods=["GET", "POST"])
def tts() -> Response:
    params: TTSParams = parse_request(TTSParams, request)
    return audio_response(Request(**params.model_dump(exclude={"stream"})), stream=params.stream)


def audio_response(tts_request: Request, *, stream: bool) -> Response:
    """Synthesise ``tts_request`` and answer with the audio: whole (cached) or streamed."""
    service = _service()
    job = service.prepare(tts_request)
    g.tts_log = {"text_chars": len(tts_request.text), "format": job.format, "stream": stream}
    if service.settings.log_texts:
        g.tts_log["text"] = tts_request.text
    mimetype = FORMATS[job.format].content_type(job.sample_rate)
    cancelled = disconnect_check(request.environ)

    if stream:
        audio_stream = service.stream(job, cancelled)
        g.tts_stream = audio_stream
        response = Response(audio_stream, content_type=mimetype, headers=_headers(job))
        response.headers["X-Accel-Buffering"] = "no"  # tell Nginx not to buffer this response
        return response

    clip = service.clip(job, cancelled)
    g.tts_log.update(audio_seconds=round(clip.duration, 3), cache="hit" if clip.cache_hit else "miss")
    response = Response(clip.body, content_type=mimetype, headers=_headers(job))
    response.headers["X-Audio-Duration"] = f"{clip.duration:.3f}"
    response.headers["X-Synthesis-Time"] = f"{clip.synthesis_seconds:.3f}"
    response.headers["X-Cache"] = "HIT" if clip.cache_hit else "MISS"
    return response
