"""Long-text jobs over HTTP: ``/v1/audio/jobs``.

POST (the ``/tts`` parameters, text up to TTS_MAX_JOB_CHARS) → 202 and a Location;
GET ``<id>`` → status and progress; GET ``<id>/audio`` → the result file (Range
requests work, so players can seek); DELETE ``<id>`` → cancel, and delete the result.
The request is validated here exactly as ``/tts`` validates it, so a bad voice or
SSML is a 400 now, not a failed job later. The work happens in the job workers
(``app.jobs``); this module only translates HTTP.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file, url_for
from prometheus_client.registry import Collector

from app.api.auth import bearer_token, key_digest
from app.api.context import get_service
from app.api.requests import parse_request
from app.audio.encode import FORMATS
from app.config import Settings
from app.jobs.errors import JobNotFound, JobsUnavailable
from app.jobs.state import JobRecord, valid_job_id
from app.metrics import JobsCollector
from app.schemas import JobParams
from app.synthesis import SynthesisRequest

if TYPE_CHECKING:
    from app.jobs.service import JobService

bp = Blueprint("jobs", __name__, url_prefix="/v1/audio/jobs")

_KEY = "huayin.jobs"


SUBTITLE_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}


def init_jobs(app: Flask, settings: Settings) -> None:
    """Jobs need Redis; without TTS_REDIS_URL the routes answer 503 with the reason."""
    if not settings.redis_url:
        app.extensions[_KEY] = None
        return
    from app.jobs.service import JobService  # Redis's client only where jobs are on (~7 MB per worker)
    from app.jobs.worker import make_celery, sender

    app.extensions[_KEY] = JobService(settings, sender(make_celery(settings)))


@bp.app_context_processor
def jobs_ui() -> dict[str, Any]:
    """What the WebUI page needs to offer its long-text mode (static/jobs.js)."""
    enabled = current_app.extensions.get(_KEY) is not None
    settings = get_service().settings
    return {"jobs_ui": {"enabled": enabled, "url": url_for("jobs.create"), "max_chars": settings.max_job_chars}}


def collectors(app: Flask) -> list[Collector]:
    """What ``/metrics`` adds for jobs: their counts, read from Redis at scrape time."""
    service = app.extensions.get(_KEY)
    return [JobsCollector(service.counts)] if service is not None else []


def get_jobs(app: Flask | None = None) -> JobService:
    service = (app or current_app).extensions.get(_KEY)
    if service is None:
        raise JobsUnavailable("long-text jobs are off: they need TTS_REDIS_URL (Redis) and a job worker (make worker)")
    return service


def _client() -> str:
    """Who owns a job: a digest of the API key when keys are on (they are checked before this)."""
    if not get_service().settings.api_key_list:
        return ""
    token = bearer_token()
    return key_digest(token).hex()[:24] if token else ""


def _checked_id(job_id: str) -> str:
    if not valid_job_id(job_id):
        raise JobNotFound(f"no job '{job_id[:40]}'")
    return job_id


def _document(record: JobRecord) -> dict[str, Any]:
    audio_url = url_for("jobs.audio", job_id=record.id)
    return record.document(time.time(), get_jobs().settings.job_stale_after, audio_url)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("")
def create() -> Response:
    params: JobParams = parse_request(JobParams, request)
    service = get_service()
    job = service.prepare(SynthesisRequest.from_params(params), max_chars=service.settings.max_job_chars)
    record = get_jobs().submit(job, _client())
    response = _json(_document(record), 202)
    response.headers["Location"] = url_for("jobs.status", job_id=record.id)
    return response


@bp.get("/<job_id>")
def status(job_id: str) -> Response:
    return _json(_document(get_jobs().get(_checked_id(job_id), _client())))


@bp.get("/<job_id>/audio")
def audio(job_id: str) -> Response:
    record, path = get_jobs().result(_checked_id(job_id), _client())
    fmt = FORMATS[record.format]
    response = send_file(
        path,
        mimetype=fmt.content_type(record.sample_rate),
        conditional=True,  # Range, If-Range, ETag, If-None-Match
        download_name=f"huayin-{record.id}.{fmt.extension}",
        as_attachment=request.args.get("download") in ("1", "true"),
        max_age=None,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Audio-Duration"] = f"{record.audio_seconds:.3f}"
    response.headers["X-Sample-Rate"] = str(record.sample_rate)
    return response


@bp.get("/<job_id>/timings")
def timings(job_id: str) -> Response:
    """When every character and sentence of the job's audio is heard (as ``/tts`` with ``timestamps``)."""
    document = get_jobs().timings(_checked_id(job_id), _client())
    return _json({k: v for k, v in document.items() if k not in SUBTITLE_TYPES})


@bp.get("/<job_id>/subtitles.<kind>")
def subtitles(job_id: str, kind: str) -> Response:
    """The job's subtitles: ``subtitles.srt`` or ``subtitles.vtt``."""
    if kind not in SUBTITLE_TYPES:
        raise JobNotFound(f"no subtitles.{kind[:10]}: ask for subtitles.srt or subtitles.vtt")
    document = get_jobs().timings(_checked_id(job_id), _client())
    response = Response(document[kind], mimetype=SUBTITLE_TYPES[kind])
    response.headers["Content-Disposition"] = f'inline; filename="huayin-{job_id}.{kind}"'
    return response


@bp.delete("/<job_id>")
def cancel(job_id: str) -> Response:
    record, outcome = get_jobs().cancel(_checked_id(job_id), _client())
    body = _document(record)
    if outcome == "cancelled":
        body["status"] = "cancelled"
    body["audio_url"] = None
    body["deleted"] = True
    return _json(body)
