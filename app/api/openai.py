"""OpenAI-compatible speech API: ``/v1/audio/speech``, ``/v1/models``, ``/v1/audio/voices``.

Clients written for OpenAI's text-to-speech (its SDKs, and tools built on them)
work by changing the base URL. OpenAI's voice names map to our voices and
emotion presets (``VOICE_PRESETS``, also in docs/api.md); emotion can be asked for
in ``instructions`` or with the extra field ``emotion``. Errors use OpenAI's
error object, which still carries our ``code`` and ``message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from werkzeug.exceptions import HTTPException

from app.api.context import get_service
from app.api.errors import as_api_error, error_response
from app.api.requests import parse_request
from app.api.responses import audio_response
from app.errors import ApiError, InvalidParameter, UnsupportedMediaType
from app.schemas import EMOTION_IDS, SPEED, EmotionId, Intensity, Name, Pitch, Speed, Volume, check_sample_rate
from app.synthesis import SynthesisRequest

bp = Blueprint("openai", __name__, url_prefix="/v1")

MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "huayin")
MODEL_CREATED = 1_735_689_600  # 2025-01-01: a fixed date, so the listing is stable
OPENAI_PCM_RATE = 24_000


@dataclass(frozen=True)
class VoicePreset:
    """How an OpenAI voice name is rendered: voice gender (the engine's first voice of that
    gender, else its default voice), emotion, pitch offset in semitones and speed."""

    gender: str
    emotion: str = "neutral"
    intensity: float = 1.0
    pitch: float = 0.0
    speed: float = 1.0
    description: str = ""


VOICE_PRESETS: dict[str, VoicePreset] = {
    "alloy": VoicePreset("female", description="neutral, balanced"),
    "ash": VoicePreset("male", pitch=-3.0, description="neutral, lower"),
    "ballad": VoicePreset("male", "sad", 0.5, pitch=-2.0, speed=0.95, description="soft, gentle"),
    "coral": VoicePreset("female", "happy", 0.6, description="warm, cheerful"),
    "echo": VoicePreset("male", pitch=-2.0, speed=0.95, description="calm, lower"),
    "fable": VoicePreset("female", "surprise", 0.5, description="expressive storyteller"),
    "onyx": VoicePreset("male", pitch=-5.0, speed=0.95, description="deep"),
    "nova": VoicePreset("female", "happy", 1.0, pitch=1.0, description="bright, energetic"),
    "sage": VoicePreset("female", speed=0.9, description="calm, measured"),
    "shimmer": VoicePreset("female", "happy", 0.4, pitch=2.0, description="light, higher"),
    "verse": VoicePreset("male", "surprise", 0.6, description="lively"),
    "marin": VoicePreset("female", pitch=1.0, description="clear, natural"),
    "cedar": VoicePreset("male", pitch=-1.0, description="natural, lower"),
}

# OpenAI's response formats → ours.
RESPONSE_FORMATS = {"mp3": "mp3", "opus": "ogg", "aac": "aac", "flac": "flac", "wav": "wav", "pcm": "pcm"}
# Sent as they are made; WAV and FLAC come as finished files, whose headers state their length.
STREAMED_FORMATS = frozenset({"mp3", "ogg", "pcm", "aac"})

# Words in ``instructions`` that ask for an emotion (English and Chinese).
EMOTION_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "cheerful", "joyful", "excited", "upbeat", "开心", "高兴", "快乐", "兴奋", "愉快"),
    "sad": ("sad", "sorrowful", "melancholy", "gloomy", "悲伤", "伤心", "难过", "忧伤"),
    "angry": ("angry", "furious", "annoyed", "irritated", "生气", "愤怒", "恼火"),
    "fear": ("fear", "scared", "afraid", "frightened", "nervous", "恐惧", "害怕", "紧张"),
    "surprise": ("surprise", "surprised", "amazed", "astonished", "惊讶", "吃惊", "惊奇"),
    "disgust": ("disgust", "disgusted", "contempt", "厌恶", "恶心", "嫌弃"),
    "neutral": ("neutral", "calm", "plain", "中性", "平静"),
}


class SpeechParams(BaseModel):
    """Body of ``POST /v1/audio/speech`` (OpenAI's fields, then our extras)."""

    model_config = ConfigDict(extra="forbid")

    model: Name = Field(description=f"one of {', '.join(MODELS)}")
    input: str = Field(description="text (or SSML) to speak")
    voice: Name = Field(description="an OpenAI voice name (see /v1/audio/voices) or one of our voice ids")
    instructions: str | None = Field(None, max_length=4096, description="delivery hints; emotion words are used")
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: Speed = Field(1.0, description="0.5–2.0 (OpenAI allows 0.25–4)")
    stream_format: Literal["audio", "sse"] = "audio"
    emotion: EmotionId | None = Field(None, description="emotion preset; overrides instructions and the voice's")
    intensity: Intensity | None = None
    pitch: Pitch | None = None
    volume: Volume = 1.0
    sample_rate: int | None = None
    timestamps: bool = Field(
        False,
        description="extension (extra_body): answer JSON with the audio (base64) and character, sentence and "
        "mark timings, as /tts does",
    )

    @field_validator("sample_rate")
    @classmethod
    def _known_rate(cls, rate: int | None) -> int | None:
        return check_sample_rate(rate)


def emotion_from_instructions(instructions: str | None) -> str | None:
    if not instructions:
        return None
    text = instructions.lower()
    for emotion, words in EMOTION_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}", text) if w.isascii() else w in text for w in words):
            return emotion
    return None


def _engine_voice(preset: VoicePreset) -> str:
    voices = get_service().voices()
    return next((v.id for v in voices if v.gender == preset.gender), voices[0].id)


def to_request(params: SpeechParams) -> tuple[SynthesisRequest, bool]:
    """Our synthesis request for an OpenAI-style one, and whether to stream it."""
    if params.model not in MODELS:
        raise InvalidParameter(f"unknown model '{params.model}'; available: {', '.join(MODELS)}", param="model")
    preset = VOICE_PRESETS.get(params.voice.lower())
    if preset is None:  # one of our own voice ids: validated by the service
        preset, voice = VoicePreset(gender=""), params.voice
    else:
        voice = _engine_voice(preset)
    emotion = params.emotion or emotion_from_instructions(params.instructions) or preset.emotion
    if params.intensity is not None:
        intensity = params.intensity
    else:  # the voice's own intensity belongs to the voice's own emotion
        intensity = preset.intensity if emotion == preset.emotion else 1.0
    fmt = RESPONSE_FORMATS[params.response_format]
    tts_request = SynthesisRequest(
        text=params.input,
        voice=voice,
        emotion=emotion,
        intensity=intensity,
        speed=min(SPEED.high, max(SPEED.low, params.speed * preset.speed)),
        pitch=params.pitch if params.pitch is not None else preset.pitch,
        volume=params.volume,
        format=fmt,
        # OpenAI's pcm is 24 kHz whatever the model's own rate; clients rely on it.
        sample_rate=params.sample_rate or (OPENAI_PCM_RATE if fmt == "pcm" else None),
        timestamps=params.timestamps,
    )
    return tts_request, fmt in STREAMED_FORMATS and not params.timestamps


@bp.post("/audio/speech")
def speech() -> Response:
    if not request.is_json:
        raise UnsupportedMediaType("send a JSON body (Content-Type: application/json)")
    params: SpeechParams = parse_request(SpeechParams, request)
    tts_request, stream = to_request(params)
    events = params.stream_format == "sse" and not params.timestamps
    return audio_response(tts_request, stream=stream, events=events)


@bp.get("/models")
def models() -> Response:
    return jsonify(
        object="list",
        data=[{"id": m, "object": "model", "created": MODEL_CREATED, "owned_by": "huayin"} for m in MODELS],
    )


@bp.get("/audio/voices")
def voices() -> Response:
    return jsonify(
        object="list",
        data=[
            {
                "id": name,
                "voice": _engine_voice(p),
                "emotion": p.emotion,
                "intensity": p.intensity,
                "pitch": p.pitch,
                "speed": p.speed,
                "description": p.description,
            }
            for name, p in VOICE_PRESETS.items()
        ],
        emotions=list(EMOTION_IDS),
    )


_ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}


def openai_error(exc: ApiError | HTTPException) -> Response:
    """OpenAI's error object: message, type, param, code (status and headers as ours)."""
    error = exc if isinstance(exc, ApiError) else as_api_error(exc)
    kind = _ERROR_TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request_error")
    response = error_response(error)
    body = {"message": error.message, "type": kind, "param": error.details.get("param"), "code": error.code}
    response.set_data(jsonify(error=body).get_data())
    return response


bp.register_error_handler(ApiError, openai_error)
bp.register_error_handler(HTTPException, openai_error)
