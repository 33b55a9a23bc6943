"""Audio responses, built in one place for every route that speaks.

A whole clip carries its duration, synthesis time and cache status in headers; a
stream is sent chunk by chunk (Nginx told not to buffer it). Either way the
response keeps the job and the core's result, which the access log reads.

Links (``GET /tts?…``) are deterministic: the same parameters give the same audio
from the same model and front-end, so they get a strong ETag derived from the
job's cache key and may be kept by browsers, Nginx and CDNs for
``TTS_HTTP_CACHE_S`` (privately only when API keys are on); a client that has the
audio gets a 304 without anything being synthesised.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, request

from app.api.connection import disconnect_check
from app.api.context import get_service
from app.synthesis import AudioStream, Clip, Job, SynthesisRequest


class AudioResponse(Response):
    """A response with the synthesis behind it: its job and its result (a Clip or an AudioStream).
    With ``events`` a stream is sent as server-sent events (OpenAI's ``stream_format: "sse"``)."""

    def __init__(self, job: Job, result: Clip | AudioStream, *, events: bool = False) -> None:
        if isinstance(result, Clip):
            super().__init__(result.body, content_type=job.media_type)
        elif events:
            super().__init__(speech_events(result, len(job.request.text)), content_type="text/event-stream")
        elif job.output == "timestamps":
            super().__init__(result, content_type="application/x-ndjson")  # a JSON line per sentence
        else:
            super().__init__(result, content_type=job.media_type)
        self.job = job
        self.result = result
        self.headers["Content-Disposition"] = f'inline; filename="{job.filename}"'
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


def speech_events(stream: AudioStream, characters: int) -> Iterator[bytes]:
    """OpenAI's speech events: ``speech.audio.delta`` with base64 audio per chunk, then
    ``speech.audio.done`` with the usage (our unit is the character)."""

    def event(body: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"

    try:
        for chunk in stream:
            if chunk:
                yield event({"type": "speech.audio.delta", "audio": base64.b64encode(chunk).decode()})
        usage = {"input_tokens": characters, "output_tokens": 0, "total_tokens": characters}
        yield event({"type": "speech.audio.done", "usage": usage})
    finally:
        stream.close()


def audio_response(
    tts_request: SynthesisRequest, *, stream: bool, link: bool = False, events: bool = False
) -> Response:
    """Synthesise ``tts_request`` and answer with the audio: whole (cached) or streamed (as server-sent
    ``events`` if asked). ``link``: the request is a deterministic GET that browsers and CDNs may cache."""
    service = get_service()
    job = service.prepare(tts_request)
    max_age = service.settings.http_cache_s if link else 0
    etag = job.cache_key[:40]
    cache_control = f"{'private' if service.settings.api_key_list else 'public'}, max-age={max_age}"
    if max_age and request.if_none_match.contains(etag):
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        not_modified.headers["Cache-Control"] = cache_control
        return not_modified
    cancelled = disconnect_check(request.environ)
    # Subtitles are cut at clauses across the whole text: they come whole.
    streamed = (stream or events) and job.output in ("audio", "timestamps")
    result = service.stream(job, cancelled) if streamed else service.clip(job, cancelled)
    response = AudioResponse(job, result, events=events and streamed)
    if max_age:
        response.set_etag(etag)
        response.headers["Cache-Control"] = cache_control
    return response
