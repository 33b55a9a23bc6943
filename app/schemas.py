"""The API's vocabulary: every parameter range, name list and request model, in one place.

``/tts``, the OpenAI-compatible route, SSML attribute checks, the command line and
the OpenAPI document all validate with the ranges defined here, so a limit is
written once. This module sits at the bottom of the layers: it imports nothing of
the application but its errors.

JSON is validated strictly (a number must be a JSON number, unknown fields are
errors, so typos do not pass silently). Forms, query strings and command-line
options carry only strings, so they are converted leniently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import InvalidParameter, InvalidRequest


@dataclass(frozen=True)
class Range:
    """A closed numeric interval, shared by every validator of one parameter."""

    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def field(self, description: str, default: Any = ...) -> Any:
        return Field(default, ge=self.low, le=self.high, allow_inf_nan=False, description=description)


SPEED = Range(0.5, 2.0)  # speaking-rate multiplier
PITCH = Range(-12.0, 12.0)  # semitones
VOLUME = Range(0.0, 2.0)  # loudness multiplier
INTENSITY = Range(0.0, 2.0)  # strength of an emotion preset
MAX_NAME_CHARS = 100  # voice and model identifiers
MAX_LEXICON_ENTRIES = 100  # a request's own lexicon
MAX_READING_CHARS = 200  # one reading (pinyin or alias) in a lexicon

EMOTION_IDS = ("neutral", "happy", "sad", "angry", "fear", "surprise", "disgust")
FORMAT_NAMES = ("wav", "mp3", "ogg", "flac", "pcm", "aac")
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)

EmotionId = Literal[EMOTION_IDS]  # type: ignore[valid-type]
AudioFormatName = Literal[FORMAT_NAMES]  # type: ignore[valid-type]
Speed = Annotated[float, SPEED.field("speaking rate multiplier")]
Pitch = Annotated[float, PITCH.field("pitch shift in semitones")]
Volume = Annotated[float, VOLUME.field("loudness multiplier")]
Intensity = Annotated[float, INTENSITY.field("strength of the emotion")]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


def check_sample_rate(rate: int | None) -> int | None:
    if rate is not None and rate not in SAMPLE_RATES:
        raise ValueError(f"must be one of {', '.join(map(str, SAMPLE_RATES))}")
    return rate


class TTSParams(BaseModel):
    """Parameters of ``/tts`` (and of ``python -m app say``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(description="Chinese text (or SSML starting with <speak>) to speak")
    voice: Name | None = Field(None, description="voice id; the engine's default when omitted")
    emotion: EmotionId = Field("neutral", description="emotion preset")
    intensity: Intensity = 1.0
    speed: Speed = 1.0
    pitch: Pitch = 0.0
    volume: Volume = 1.0
    format: AudioFormatName = Field("wav", description="wav, mp3, ogg (Opus), flac, pcm (s16le) or aac (ADTS)")
    sample_rate: int | None = Field(None, description="output sample rate; the engine's own when omitted")
    stream: bool = Field(False, description="send audio sentence by sentence as it is produced")
    timestamps: bool = Field(
        False,
        description="answer JSON: the audio (base64) with the start and end of every character and sentence "
        "and the time of every SSML <mark>; with stream, one JSON line per sentence (NDJSON)",
    )
    subtitles: Literal["srt", "vtt"] | None = Field(None, description="answer subtitles (SRT or WebVTT) for the text")
    lexicon: dict[str, Annotated[str, Field(max_length=MAX_READING_CHARS)]] | None = Field(
        None,
        max_length=MAX_LEXICON_ENTRIES,
        description='this request\'s own readings: {"银行行长": "yin2 hang2 hang2 zhang3", "HuaYin": "华音"}',
    )

    @field_validator("sample_rate")
    @classmethod
    def _known_rate(cls, rate: int | None) -> int | None:
        return check_sample_rate(rate)


def first_error(exc: ValidationError) -> InvalidParameter:
    """The first problem pydantic found, as a clear message naming the parameter."""
    err = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    param = ".".join(str(p) for p in err["loc"]) or None
    kind = err["type"]
    if kind == "missing":
        message = f"'{param}' is required"
    elif kind == "extra_forbidden":
        message = f"unknown parameter '{param}'"
    else:
        message = f"'{param}': {err['msg'].removeprefix('Value error, ')}"
    return InvalidParameter(message, param=param)


def validate(model: type[BaseModel], data: Any, *, strict: bool) -> Any:
    """``data`` as a ``model``, or InvalidParameter / InvalidRequest saying what is wrong."""
    if not isinstance(data, dict):
        raise InvalidRequest("the JSON body must be an object", code="invalid_json")
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise first_error(exc) from None


def known_fields(model: type[BaseModel], values: Any) -> dict[str, Any]:
    """Known fields of a form, query or option set; empty inputs mean 'use the default'."""
    return {k: v for k, v in values.items() if k in model.model_fields and v != "" and v is not None}


class JobParams(TTSParams):
    """Parameters of ``POST /v1/audio/jobs``: those of ``/tts``; a job's result is a file, never a stream."""

    @field_validator("stream")
    @classmethod
    def _not_streamed(cls, stream: bool) -> bool:
        if stream:
            raise ValueError("a job's audio is a file; stream with /tts?stream=true instead")
        return stream

    @field_validator("timestamps", "subtitles")
    @classmethod
    def _timings_come_anyway(cls, value: object) -> object:
        if value:
            raise ValueError("a job always records its timings: GET /v1/audio/jobs/<id>/timings or /subtitles.srt")
        return value
