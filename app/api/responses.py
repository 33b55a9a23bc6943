"""Audio responses, built in one place for every route that speaks.

A whole clip carries its duration, synthesis time and cache status in headers; a
stream is sent chunk by chunk (Nginx told not to buffer it). Either way the
response keeps the job and the core's result, which the access log reads.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from app.api.connection import disconnect_check
from app.api.context import get_service
from app.audio.encode import FORMATS
from app.synthesis import AudioStream, Clip, Job, SynthesisRequest


class AudioResponse(Response):
    """A response with the synthesis behind it: its job and its result (a Clip or an AudioStream)."""

    def __init__(self, job: Job, result: Clip | AudioStream) -> None:
        body = result.body if isinstance(result, Clip) else result
        super().__init__(body, content_type=FORMATS[job.format].content_type(job.sample_rate))
        self.job = job
        self.result = result
        extension = FORMATS[job.format].extension
        self.headers["Content-Disposition"] = (
            f'inline; filename="huayin-{job.request.emotion}-{job.cache_key[:10]}.{extension}"'
        )
        self.headers["X-Sample-Rate"] = str(job.sample_rate)
        self.headers["Cache-Control"] = "no-store"
        if isinstance(result, Clip):
            self.headers["X-Audio-Duration"] = f"{result.duration:.3f}"
            self.headers["X-Synthesis-Time"] = f"{result.synthesis_seconds:.3f}"
            self.headers["X-Cache"] = "HIT" if result.cache_hit else "MISS"
        else:
            self.headers["X-Accel-Buffering"] = "no"  # tell Nginx not to buffer the stream

    @property
    def streamed(self) -> bool:
        return isinstance(self.result, AudioStream)

    def log_fields(self, *, with_text: bool) -> dict[str, Any]:
        """Fields for the access line; a stream's audio length is final once it has been sent."""
        fields: dict[str, Any] = {
            "text_chars": len(self.job.request.text),
            "format": self.job.format,
            "stream": self.streamed,
            **self.result.log_fields(),
        }
        if with_text:
            fields["text"] = self.job.request.text
        return fields


def audio_response(tts_request: SynthesisRequest, *, stream: bool) -> AudioResponse:
    """Synthesise ``tts_request`` and answer with the audio: whole (cached) or streamed."""
    service = get_service()
    job = service.prepare(tts_request, stream=stream)
    cancelled = disconnect_check(request.environ)
    result = service.stream(job, cancelled) if stream else service.clip(job, cancelled)
    return AudioResponse(job, result)
