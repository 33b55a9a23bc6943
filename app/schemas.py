"""Request validation: JSON bodies, HTML forms and query strings → typed requests.

JSON is validated strictly (a number must be a JSON number, unknown fields are
errors, so typos do not pass silently). Forms and query strings carry only
strings, so they are converted leniently and unknown fields are ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from werkzeug.exceptions import BadRequest

from app.audio.encode import FORMATS, SAMPLE_RATES
from app.audio.prosody import EMOTIONS
from app.errors import InvalidParameter, InvalidRequest, UnsupportedMediaType

EmotionId = Literal[tuple(EMOTIONS)]  # type: ignore[valid-type]
AudioFormatName = Literal["wav", "mp3", "ogg", "flac", "pcm"]


class TTSParams(BaseModel):
    """Parameters of ``/tts``. Ranges are documented in the README."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(description="Chinese text to speak")
    voice: str | None = Field(None, max_length=100, description="voice id; the engine's default when omitted")
    emotion: EmotionId = Field("neutral", description="emotion preset")
    intensity: float = Field(1.0, ge=0.0, le=2.0, allow_inf_nan=False, description="strength of the emotion")
    speed: float = Field(1.0, ge=0.5, le=2.0, allow_inf_nan=False, description="speaking rate multiplier")
    pitch: float = Field(0.0, ge=-12.0, le=12.0, allow_inf_nan=False, description="pitch shift in semitones")
    volume: float = Field(1.0, ge=0.0, le=2.0, allow_inf_nan=False, description="loudness multiplier")
    format: AudioFormatName = Field("wav", description="wav, mp3, ogg (Opus), flac or pcm (s16le)")
    sample_rate: int | None = Field(None, description="output sample rate; the engine's own when omitted")
    stream: bool = Field(False, description="send audio sentence by sentence as it is produced")

    @model_validator(mode="after")
    def _streamable(self) -> TTSParams:
        if self.stream and not FORMATS[self.format].streamable:
            raise ValueError(f"{self.format} cannot be streamed; stream wav, mp3, ogg or pcm")
        return self

    @field_validator("sample_rate")
    @classmethod
    def _known_rate(cls, rate: int | None) -> int | None:
        if rate is not None and rate not in SAMPLE_RATES:
            raise ValueError(f"must be one of {', '.join(map(str, SAMPLE_RATES))}")
        return rate


def _first_error(exc: ValidationError) -> InvalidParameter:
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


def _validate(model: type[BaseModel], data: Any, *, strict: bool) -> Any:
    if not isinstance(data, dict):
        raise InvalidRequest("the JSON body must be an object", code="invalid_json")
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise _first_error(exc) from None


def _form_fields(model: type[BaseModel], values: Any) -> dict[str, str]:
    """Known fields of a form/query; empty inputs mean 'use the default'."""
    return {k: v for k, v in values.items() if k in model.model_fields and v != ""}


def parse_request(model: type[BaseModel], request: Request) -> Any:
    """Validate the body (POST) or query string (GET) of ``request`` against ``model``."""
    if request.method == "GET":
        return _validate(model, _form_fields(model, request.args), strict=False)
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            data = request.get_json(force=True)
        except BadRequest:
            raise InvalidRequest("the request body is not valid JSON", code="invalid_json") from None
        return _validate(model, data, strict=True)
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _validate(model, _form_fields(model, request.form), strict=False)
    raise UnsupportedMediaType(
        "send JSON (Content-Type: application/json) or an HTML form (application/x-www-form-urlencoded)"
    )
