"""What to synthesise: a request, checked against the limits and the engine, becomes a Job.

Types and ranges were checked by ``app.schemas`` already; what is checked here
needs the settings or the engine: the text limit, the voice, the sample rates a
format supports, and SSML.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from app.audio.encode import FORMATS
from app.audio.prosody import emotion_prosody, user_prosody
from app.engines import EngineInfo, Style
from app.errors import InvalidParameter, TextTooLong
from app.schemas import TTSParams
from app.synthesis.lexicons import request_lexicon
from app.text import FRONTEND_VERSION, ssml
from app.text.user_lexicon import UserLexicon

# Responses other than audio: media type and file extension.
OUTPUT_TYPES = {
    "timestamps": ("application/json", "json"),
    "srt": ("application/x-subrip; charset=utf-8", "srt"),
    "vtt": ("text/vtt; charset=utf-8", "vtt"),
}


@dataclass(frozen=True)
class SynthesisRequest:
    """Text (or SSML) and how to speak and encode it; defaults are the API's defaults."""

    text: str
    voice: str | None = None
    emotion: str = "neutral"
    intensity: float = 1.0
    speed: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0
    format: str = "wav"
    sample_rate: int | None = None
    timestamps: bool = False  # answer JSON: the audio (base64) with character, sentence and mark timings
    subtitles: str | None = None  # "srt" or "vtt": answer a subtitle file instead of audio
    lexicon: Mapping[str, str] | None = None  # this request's own readings, over the deployment's

    @classmethod
    def from_params(cls, params: TTSParams) -> SynthesisRequest:
        return cls(**params.model_dump(exclude={"stream"}))


@dataclass(frozen=True)
class Job:
    """A validated request: what to say, in which voice, and how to encode it."""

    request: SynthesisRequest
    voice: str
    document: ssml.Document  # plain text is a document of one span
    format: str
    sample_rate: int
    cache_key: str
    native_emotions: bool  # the engine speaks emotions itself
    lexicon: UserLexicon | None = None  # the deployment's entries with the request's on top

    @property
    def output(self) -> str:
        """What the response is: "audio", "timestamps" (JSON), or subtitles ("srt", "vtt")."""
        return self.request.subtitles or ("timestamps" if self.request.timestamps else "audio")

    @property
    def media_type(self) -> str:
        if self.output != "audio":
            return OUTPUT_TYPES[self.output][0]
        return FORMATS[self.format].content_type(self.sample_rate)

    @property
    def filename(self) -> str:
        """A name for the file: the emotion and a digest of what was asked, e.g. huayin-happy-3f2a….mp3."""
        extension = OUTPUT_TYPES[self.output][1] if self.output != "audio" else FORMATS[self.format].extension
        return f"huayin-{self.request.emotion}-{self.cache_key[:10]}.{extension}"

    def style(self, span: ssml.Span) -> Style:
        """The delivery of ``span``: the request's controls, then the span's own SSML changes."""
        request = self.request
        emotion = span.emotion or request.emotion
        intensity = span.intensity if span.intensity is not None else (1.0 if span.emotion else request.intensity)
        change = span.prosody
        prosody = user_prosody(request.speed, request.pitch, request.volume).then(
            user_prosody(change.rate, change.pitch, change.volume)
        )
        if not self.native_emotions:
            prosody = prosody.then(emotion_prosody(emotion, intensity))
        return Style(self.voice, emotion, intensity, prosody, self.document.readings, self.lexicon)


def build_job(
    request: SynthesisRequest,
    engine: EngineInfo,
    *,
    max_chars: int | None,
    lexicon: tuple[UserLexicon | None, str] = (None, ""),
) -> Job:
    """Check ``request`` against the text limit (None: no limit) and the engine; raise a clear ApiError.
    ``lexicon``: the deployment's lexicon and the digest of its file."""
    if not request.text.strip():
        raise InvalidParameter("'text' is empty", code="empty_text", param="text")
    if max_chars is not None and len(request.text) > max_chars:
        raise TextTooLong(
            f"'text' has {len(request.text)} characters; the limit is {max_chars}", param="text", limit=max_chars
        )
    voice = request.voice or engine.voice_ids[0]
    if voice not in engine.voice_ids:
        raise InvalidParameter(f"unknown voice '{voice}'; available: {', '.join(engine.voice_ids)}", param="voice")
    if request.timestamps and request.subtitles:
        raise InvalidParameter("ask for 'timestamps' or for 'subtitles', not both", param="subtitles")
    if (request.timestamps or request.subtitles) and not engine.timings:
        raise InvalidParameter(
            f"the {engine.name} engine cannot tell where each character is in its audio: "
            "'timestamps' and 'subtitles' need the embedded engine",
            code="timestamps_unsupported",
            param="subtitles" if request.subtitles else "timestamps",
        )
    fmt = FORMATS[request.format]
    rate = request.sample_rate or engine.sample_rate
    if rate not in fmt.rates:
        raise InvalidParameter(
            f"{fmt.name} supports sample rates {', '.join(map(str, fmt.rates))}", param="sample_rate"
        )
    deployment, digest = lexicon
    own = request_lexicon(request.lexicon)
    merged = deployment.merged(own) if deployment is not None else own
    output = {"engine": engine.name, "model": engine.model, "frontend": FRONTEND_VERSION, "lexicon": digest}
    # Only asked-for timings are part of the key: plain requests keep their keys and ETags.
    asked = {k: v for k, v in asdict(request).items() if v or k not in ("timestamps", "subtitles")}
    key = cache_key(**output, request=asked, voice=voice, rate=rate)
    return Job(request, voice, parse_document(request.text), fmt.name, rate, key, engine.native_emotions, merged)


def parse_document(text: str) -> ssml.Document:
    if not ssml.is_ssml(text):
        return ssml.Document([ssml.Span(text)], {})
    try:
        return ssml.parse(text)
    except ssml.SSMLError as exc:
        raise InvalidParameter(str(exc), code="invalid_ssml", param="text") from None


def cache_key(**fields: object) -> str:
    """A digest of every field that changes the output (text, voice, prosody, format, engine …)."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
