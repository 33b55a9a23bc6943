"""The OpenAPI 3.0 description of the API, built from the same pydantic models that
validate requests, so the document cannot drift from what the service accepts."""

from __future__ import annotations

from app.api.openai import SpeechParams
from app.api.openapi_jobs import job_paths, job_schema
from app.api.openapi_parts import (
    TIMINGS,
    audio,
    error,
    errors,
    json_response,
    model_schema,
    query_parameters,
    ref,
    timed_audio,
)
from app.config import Settings
from app.schemas import JobParams, TTSParams


def build(settings: Settings) -> dict:
    tts = model_schema(TTSParams, settings.max_text_chars, "text")
    speech = model_schema(SpeechParams, settings.max_text_chars, "input")
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
                            "application/json": {"schema": ref("TTSRequest")},
                            "application/x-www-form-urlencoded": {"schema": ref("TTSRequest")},
                            "multipart/form-data": {"schema": ref("TTSRequest")},
                        },
                    },
                    "responses": {
                        "200": timed_audio(
                            "the audio, in the requested format; with timestamps, JSON (NDJSON when streamed: one "
                            "line per sentence with the next chunk of the audio stream and that sentence's timings, "
                            "then a line with done); with subtitles, SRT or WebVTT (cues at clauses, ≤ 20 characters)"
                        ),
                        **errors("Error", *tts_errors),
                    },
                },
                "get": {
                    "summary": "Synthesise speech (quick links)",
                    "operationId": "synthesizeGet",
                    "security": bearer,
                    "parameters": query_parameters(tts),
                    "responses": {
                        "200": {
                            **timed_audio("the audio, in the requested format (or timings, or subtitles: see POST)"),
                            "headers": {
                                **audio("")["headers"],
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
                        **errors("Error", *tts_errors),
                        "414": {
                            "description": "query string too long (over 4 KB): POST long texts instead. "
                            "gunicorn answers this one itself, in HTML; behind Nginx it is JSON.",
                            "content": {"text/html": {"schema": {"type": "string"}}, **error("", "Error")["content"]},
                        },
                    },
                },
            },
            "/tts/preview": {
                "post": {
                    "summary": "How a text will be read (spoken form, pinyin, polyphones), without synthesising it",
                    "operationId": "preview",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": ref("TTSRequest")},
                            "application/x-www-form-urlencoded": {"schema": ref("TTSRequest")},
                            "multipart/form-data": {"schema": ref("TTSRequest")},
                        },
                    },
                    "responses": {
                        "200": json_response(
                            "one entry per sentence: source, spoken, pinyin, start, end, polyphones, rewritten, ruby",
                            {
                                "type": "object",
                                "required": ["sentences"],
                                "properties": {"sentences": {"type": "array", "items": {"type": "object"}}},
                            },
                        ),
                        **errors("Error", 400, 401, 405, 413, 415, 429, 503, 504),
                    },
                }
            },
            "/v1/audio/speech": {
                "post": {
                    "summary": "OpenAI-compatible speech",
                    "operationId": "createSpeech",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ref("SpeechRequest")}},
                    },
                    "responses": {
                        "200": {
                            **audio(
                                "the audio; mp3, opus, aac and pcm are streamed as they are made. Extension: with "
                                '"timestamps": true (the OpenAI SDKs: extra_body={"timestamps": True}) the answer is '
                                "the JSON of /tts with timestamps (schema Timings), whole; without it the response is "
                                "exactly OpenAI's"
                            ),
                            "content": {
                                **audio("")["content"],
                                "application/json": {"schema": ref("Timings")},
                                "text/event-stream": {
                                    "schema": {"type": "string"},
                                    "example": 'data: {"type":"speech.audio.delta","audio":"<base64>"}',
                                },
                            },
                        },
                        **errors("OpenAIError", *tts_errors),
                    },
                }
            },
            "/v1/models": {
                "get": {
                    "summary": "Models (OpenAI-compatible)",
                    "operationId": "listModels",
                    "security": bearer,
                    "responses": {"200": json_response("model list"), **errors("OpenAIError", 401, 429)},
                }
            },
            "/v1/audio/voices": {
                "get": {
                    "summary": "OpenAI voice names and what they map to",
                    "operationId": "listOpenAIVoices",
                    "security": bearer,
                    "responses": {"200": json_response("voice presets"), **errors("OpenAIError", 401, 429)},
                }
            },
            "/api/voices": {
                "get": {
                    "summary": "Voices and emotions",
                    "operationId": "listVoices",
                    "security": bearer,
                    "responses": {"200": json_response("voices and emotions"), **errors("Error", 401, 429)},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "operationId": "healthz",
                    "security": [],
                    "responses": {"200": json_response("the process answers")},
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness: the engine is loaded in this worker",
                    "operationId": "readyz",
                    "security": [],
                    "responses": {"200": json_response("ready"), "503": json_response("loading or unavailable")},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": json_response("the OpenAPI 3.0 document")},
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
            **job_paths(bearer),
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
                "JobRequest": model_schema(JobParams, settings.max_job_chars, "text"),
                "Job": job_schema(),
                "Timings": TIMINGS,
                "Error": error_object,
                "OpenAIError": openai_error,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
