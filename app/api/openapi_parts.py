"""Pieces of the OpenAPI document: pydantic schemas in OpenAPI 3.0 form, responses, errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.audio.encode import SAMPLE_RATES

AUDIO_TYPES = ("audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/pcm", "audio/aac")


def openapi30(schema: Any) -> Any:
    """pydantic emits JSON Schema 2020-12; OpenAPI 3.0 spells ``X | None`` as ``nullable``."""
    if isinstance(schema, list):
        return [openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: openapi30(v) for k, v in schema.items()}
    variants = schema.get("anyOf")
    if variants and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        del schema["anyOf"]
        schema.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        schema["nullable"] = True
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    return schema


def model_schema(model: type[BaseModel], max_chars: int, text_field: str) -> dict:
    schema = openapi30(model.model_json_schema())
    schema.pop("title", None)
    props = schema["properties"]
    props[text_field].update(minLength=1, maxLength=max_chars)
    props["sample_rate"]["enum"] = [*SAMPLE_RATES, None]
    return schema


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def errors(schema: str, *statuses: int) -> dict:
    texts = {
        400: "invalid parameter, malformed JSON or SSML",
        401: "missing or invalid API key (when API keys are on)",
        404: "not found",
        405: "method not allowed",
        413: "text or body too long",
        415: "unsupported content type",
        429: "rate limit exceeded (Retry-After tells when to retry)",
        499: "client closed the connection",
        503: "overloaded (Retry-After) or engine not ready",
        504: "request deadline exceeded",
    }
    return {str(s): error(texts[s], schema) for s in statuses}


def audio(description: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "description": description,
        "content": {t: binary for t in AUDIO_TYPES},
        "headers": {
            "X-Audio-Duration": {"description": "seconds of audio (whole responses)", "schema": {"type": "string"}},
            "X-Cache": {"description": "HIT or MISS (whole responses)", "schema": {"type": "string"}},
        },
    }


def timed_audio(description: str) -> dict:
    """Audio, or with ``timestamps`` the audio and its timings, or with ``subtitles`` a subtitle file."""
    response = audio(description)
    response["content"] = {
        **response["content"],
        "application/json": {"schema": ref("Timings")},
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": '{"audio":"<base64>","characters":[…],"sentences":[…],"marks":[]}',
        },
        "application/x-subrip; charset=utf-8": {"schema": {"type": "string"}},
        "text/vtt; charset=utf-8": {"schema": {"type": "string"}},
    }
    return response


def timing(*fields: str) -> dict:
    types = {"text": "string", "name": "string", "start": "number", "end": "number", "time": "number"}
    types |= {"offset": "integer", "length": "integer"}
    return {"type": "object", "required": list(fields), "properties": {f: {"type": types[f]} for f in fields}}


TIMINGS = {
    "type": "object",
    "description": "With timestamps: the audio and where everything is in it. Times are seconds in the audio as "
    "decoded (MP3 and AAC include their decoder delay, 1105 and 1024 samples); offset and length index the "
    "request's text (for "
    "SSML: its text content in document order, a <phoneme> counting as its element's text, <break> and <mark> "
    "as nothing). A span that normalisation rewrote (2024, ¥12.5, 14:30) is one entry; punctuation followed by "
    "a pause is an entry with the pause's interval. Sentences are the pieces the text was spoken in.",
    "required": ["audio", "format", "sample_rate", "duration", "characters", "sentences", "marks"],
    "properties": {
        "audio": {"type": "string", "format": "byte", "description": "the audio in the requested format, base64"},
        "format": {"type": "string"},
        "sample_rate": {"type": "integer"},
        "duration": {"type": "number"},
        "characters": {"type": "array", "items": timing("text", "start", "end", "offset", "length")},
        "sentences": {"type": "array", "items": timing("text", "start", "end", "offset", "length")},
        "marks": {"type": "array", "items": timing("name", "time")},
    },
}


def json_response(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def query_parameters(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]
