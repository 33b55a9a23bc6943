"""The OpenAPI 3.0 description of the API, built from the same pydantic models that
validate requests, so the document cannot drift from what the service accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.api.openai import SpeechParams
from app.audio.encode import SAMPLE_RATES
from app.config import Settings
from app.schemas import JobParams, TTSParams

AUDIO_TYPES = ("audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/pcm", "audio/aac")


def _openapi30(schema: Any) -> Any:
    """pydantic emits JSON Schema 2020-12; OpenAPI 3.0 spells ``X | None`` as ``nullable``."""
    if isinstance(schema, list):
        return [_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _openapi30(v) for k, v in schema.items()}
    variants = schema.get("anyOf")
    if variants and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        del schema["anyOf"]
        schema.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        schema["nullable"] = True
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    return schema


def _model_schema(model: type[BaseModel], max_chars: int, text_field: str) -> dict:
    schema = _openapi30(model.model_json_schema())
    schema.pop("title", None)
    props = schema["properties"]
    props[text_field].update(minLength=1, maxLength=max_chars)
    props["sample_rate"]["enum"] = [*SAMPLE_RATES, None]
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(schema: str, *statuses: int) -> dict:
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
    return {str(s): _error(texts[s], schema) for s in statuses}


def _audio(description: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "description": description,
        "content": {t: binary for t in AUDIO_TYPES},
        "headers": {
            "X-Audio-Duration": {"description": "seconds of audio (whole responses)", "schema": {"type": "string"}},
            "X-Cache": {"description": "HIT or MISS (whole responses)", "schema": {"type": "string"}},
        },
    }


def _timed_audio(description: str) -> dict:
    """Audio, or with ``timestamps`` the audio and its timings, or with ``subtitles`` a subtitle file."""
    response = _audio(description)
    response["content"] = {
        **response["content"],
        "application/json": {"schema": _ref("Timings")},
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": '{"audio":"<base64>","characters":[…],"sentences":[…],"marks":[]}',
        },
        "application/x-subrip; charset=utf-8": {"schema": {"type": "string"}},
        "text/vtt; charset=utf-8": {"schema": {"type": "string"}},
    }
    return response


def _timing(*fields: str) -> dict:
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
        "characters": {"type": "array", "items": _timing("text", "start", "end", "offset", "length")},
        "sentences": {"type": "array", "items": _timing("text", "start", "end", "offset", "length")},
        "marks": {"type": "array", "items": _timing("name", "time")},
    },
}


def _json(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def _query_parameters(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _job_paths(bearer: list) -> dict:
    """Long-text jobs (``app.api.jobs``)."""
    job = {"200": _json("the job", _ref("Job"))}
    id_schema = {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$"}
    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": id_schema}]
    gone = {"410": _error("the job expired (TTS_JOB_TTL after submission) or was deleted", "Error")}
    unavailable = {"503": _error("jobs are off (no TTS_REDIS_URL) or Redis cannot be reached", "Error")}
    return {
        "/v1/audio/jobs": {
            "post": {
                "summary": "Start a long-text job (the /tts parameters; text up to TTS_MAX_JOB_CHARS)",
                "operationId": "createJob",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("JobRequest")}}},
                "responses": {
                    "202": {
                        **_json("queued; poll the Location until the status is an end state", _ref("Job")),
                        "headers": {"Location": {"description": "the job's URL", "schema": {"type": "string"}}},
                    },
                    **_errors("Error", 400, 401, 413, 415),
                    "429": _error("rate limit exceeded, or this API key has its maximum of running jobs", "Error"),
                    **unavailable,
                },
            }
        },
        "/v1/audio/jobs/{job_id}": {
            "parameters": job_id,
            "get": {
                "summary": "A job's status and progress",
                "operationId": "getJob",
                "security": bearer,
                "responses": {**job, **_errors("Error", 401, 404, 429), **gone, **unavailable},
            },
            "delete": {
                "summary": "Cancel a queued or running job (it stops after its current sentence), "
                "or delete an ended one; its audio is deleted",
                "operationId": "deleteJob",
                "security": bearer,
                "responses": {**job, **_errors("Error", 401, 404, 429), **gone, **unavailable},
            },
        },
        "/v1/audio/jobs/{job_id}/audio": {
            "parameters": job_id,
            "get": {
                "summary": "The finished job's audio (Range requests work; ?download=1 for an attachment)",
                "operationId": "getJobAudio",
                "security": bearer,
                "parameters": [{"name": "download", "in": "query", "required": False, "schema": {"type": "string"}}],
                "responses": {
                    "200": _audio("the audio file, in the job's format"),
                    "206": _audio("the requested byte range"),
                    "304": {"description": "not modified (If-None-Match)"},
                    "409": _error("the job has not succeeded (yet)", "Error"),
                    "416": {"description": "the range is outside the file"},
                    **_errors("Error", 401, 404, 429),
                    **gone,
                    **unavailable,
                },
            },
        },
    }


def _job_schema() -> dict:
    nullable_time = {"type": "string", "format": "date-time", "nullable": True}
    return {
        "type": "object",
        "required": ["id", "status", "progress", "error", "created_at", "expires_at"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
            "progress": {
                "type": "object",
                "properties": {
                    "sentences_done": {"type": "integer"},
                    "sentences_total": {"type": "integer"},
                    "audio_seconds": {"type": "number"},
                },
            },
            "error": {
                "type": "object",
                "nullable": True,
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
            "format": {"type": "string"},
            "sample_rate": {"type": "integer"},
            "text_chars": {"type": "integer"},
            "attempts": {"type": "integer", "description": "workers that started it (retried if one is killed)"},
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": nullable_time,
            "finished_at": nullable_time,
            "expires_at": {"type": "string", "format": "date-time"},
            "audio_url": {"type": "string", "nullable": True},
            "deleted": {"type": "boolean", "description": "in the answer to DELETE"},
        },
    }


def build(settings: Settings) -> dict:
    tts = _model_schema(TTSParams, settings.max_text_chars, "text")
    speech = _model_schema(SpeechParams, settings.max_text_chars, "input")
    tts_errors = (400, 401, 405, 413, 415, 429, 499, 503, 504)
    error_object = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }
    openai_error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type", "code"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "param": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                },
            }
        },
    }
    bearer = [{"bearer": []}] if settings.api_key_list else []
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "HuaYin Chinese text-to-speech",
            "version": "1.0.0",
            "description": "Chinese speech with emotions. Text may be plain or SSML (starting with <speak>).",
        },
        "paths": {
            "/tts": {
                "post": {
                    "summary": "Synthesise speech",
                    "operationId": "synthesize",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _ref("TTSRequest")},
                            "application/x-www-form-urlencoded": {"schema": _ref("TTSRequest")},
                            "multipart/form-data": {"schema": _ref("TTSRequest")},
                        },
                    },
                    "responses": {
                        "200": _timed_audio(
                            "the audio, in the requested format; with timestamps, JSON (NDJSON when streamed: one "
                            "line per sentence with the next chunk of the audio stream and that sentence's timings, "
                            "then a line with done); with subtitles, SRT or WebVTT (cues at clauses, ≤ 20 characters)"
                        ),
                        **_errors("Error", *tts_errors),
                    },
                },
                "get": {
                    "summary": "Synthesise speech (quick links)",
                    "operationId": "synthesizeGet",
                    "security": bearer,
                    "parameters": _query_parameters(tts),
                    "responses": {
                        "200": {
                            **_timed_audio("the audio, in the requested format (or timings, or subtitles: see POST)"),
                            "headers": {
                                **_audio("")["headers"],
                                "ETag": {
                                    "description": "strong; the same link gives the same audio",
                                    "schema": {"type": "string"},
                                },
                                "Cache-Control": {
                                    "description": "public (private with API keys), max-age TTS_HTTP_CACHE_S",
                                    "schema": {"type": "string"},
                                },
                            },
                        },
                        "304": {"description": "If-None-Match matched: the client's copy is current"},
                        **_errors("Error", *tts_errors),
                        "414": {
                            "description": "query string too long (over 4 KB): POST long texts instead. "
                            "gunicorn answers this one itself, in HTML; behind Nginx it is JSON.",
                            "content": {"text/html": {"schema": {"type": "string"}}, **_error("", "Error")["content"]},
                        },
                    },
                },
            },
            "/v1/audio/speech": {
                "post": {
                    "summary": "OpenAI-compatible speech",
                    "operationId": "createSpeech",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("SpeechRequest")}},
                    },
                    "responses": {
                        "200": {
                            **_audio(
                                "the audio; mp3, opus, aac and pcm are streamed as they are made. Extension: with "
                                '"timestamps": true (the OpenAI SDKs: extra_body={"timestamps": True}) the answer is '
                                "the JSON of /tts with timestamps (schema Timings), whole; without it the response is "
                                "exactly OpenAI's"
                            ),
                            "content": {
                                **_audio("")["content"],
                                "application/json": {"schema": _ref("Timings")},
                                "text/event-stream": {
                                    "schema": {"type": "string"},
                                    "example": 'data: {"type":"speech.audio.delta","audio":"<base64>"}',
                                },
                            },
                        },
                        **_errors("OpenAIError", *tts_errors),
                    },
                }
            },
            "/v1/models": {
                "get": {
                    "summary": "Models (OpenAI-compatible)",
                    "operationId": "listModels",
                    "security": bearer,
                    "responses": {"200": _json("model list"), **_errors("OpenAIError", 401, 429)},
                }
            },
            "/v1/audio/voices": {
                "get": {
                    "summary": "OpenAI voice names and what they map to",
                    "operationId": "listOpenAIVoices",
                    "security": bearer,
                    "responses": {"200": _json("voice presets"), **_errors("OpenAIError", 401, 429)},
                }
            },
            "/api/voices": {
                "get": {
                    "summary": "Voices and emotions",
                    "operationId": "listVoices",
                    "security": bearer,
                    "responses": {"200": _json("voices and emotions"), **_errors("Error", 401, 429)},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "operationId": "healthz",
                    "security": [],
                    "responses": {"200": _json("the process answers")},
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness: the engine is loaded in this worker",
                    "operationId": "readyz",
                    "security": [],
                    "responses": {"200": _json("ready"), "503": _json("loading or unavailable")},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": _json("the OpenAPI 3.0 document")},
                }
            },
            "/docs": {
                "get": {
                    "summary": "Interactive API documentation (Swagger UI, served locally)",
                    "operationId": "docs",
                    "security": [],
                    "responses": {
                        "200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
                    },
                }
            },
            **_job_paths(bearer),
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "operationId": "metrics",
                    "security": [],
                    "responses": {
                        "200": {"description": "metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "TTSRequest": tts,
                "SpeechRequest": speech,
                "JobRequest": _model_schema(JobParams, settings.max_job_chars, "text"),
                "Job": _job_schema(),
                "Timings": TIMINGS,
                "Error": error_object,
                "OpenAIError": openai_error,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
