"""The OpenAPI description of the long-text job routes (``app.api.jobs``)."""

from __future__ import annotations

from app.api.openapi_parts import audio, error, errors, json_response, ref


def job_paths(bearer: list) -> dict:
    """Long-text jobs (``app.api.jobs``)."""
    job = {"200": json_response("the job", ref("Job"))}
    id_schema = {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$"}
    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": id_schema}]
    gone = {"410": error("the job expired (TTS_JOB_TTL after submission) or was deleted", "Error")}
    unavailable = {"503": error("jobs are off (no TTS_REDIS_URL) or Redis cannot be reached", "Error")}
    return {
        "/v1/audio/jobs": {
            "post": {
                "summary": "Start a long-text job (the /tts parameters; text up to TTS_MAX_JOB_CHARS)",
                "operationId": "createJob",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("JobRequest")}}},
                "responses": {
                    "202": {
                        **json_response("queued; poll the Location until the status is an end state", ref("Job")),
                        "headers": {"Location": {"description": "the job's URL", "schema": {"type": "string"}}},
                    },
                    **errors("Error", 400, 401, 413, 415),
                    "429": error("rate limit exceeded, or this API key has its maximum of running jobs", "Error"),
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
                "responses": {**job, **errors("Error", 401, 404, 429), **gone, **unavailable},
            },
            "delete": {
                "summary": "Cancel a queued or running job (it stops after its current sentence), "
                "or delete an ended one; its audio is deleted",
                "operationId": "deleteJob",
                "security": bearer,
                "responses": {**job, **errors("Error", 401, 404, 429), **gone, **unavailable},
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
                    "200": audio("the audio file, in the job's format"),
                    "206": audio("the requested byte range"),
                    "304": {"description": "not modified (If-None-Match)"},
                    "409": error("the job has not succeeded (yet)", "Error"),
                    "416": {"description": "the range is outside the file"},
                    **errors("Error", 401, 404, 429),
                    **gone,
                    **unavailable,
                },
            },
        },
        "/v1/audio/jobs/{job_id}/timings": {
            "parameters": job_id,
            "get": {
                "summary": "When each character and sentence of the finished job's audio is heard",
                "operationId": "getJobTimings",
                "security": bearer,
                "responses": {
                    "200": json_response("characters, sentences and marks, as /tts with timestamps (no audio)"),
                    "404": error("no such job, or its engine gives no timings (timestamps_unsupported)", "Error"),
                    "409": error("the job has not succeeded (yet)", "Error"),
                    **errors("Error", 401, 429),
                    **gone,
                    **unavailable,
                },
            },
        },
        "/v1/audio/jobs/{job_id}/subtitles.{kind}": {
            "parameters": [
                *job_id,
                {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["srt", "vtt"]}},
            ],
            "get": {
                "summary": "The finished job's subtitles (SRT or WebVTT)",
                "operationId": "getJobSubtitles",
                "security": bearer,
                "responses": {
                    "200": {
                        "description": "the subtitle file",
                        "content": {t: {"schema": {"type": "string"}} for t in ("application/x-subrip", "text/vtt")},
                    },
                    "404": error("no such job, or its engine gives no timings (timestamps_unsupported)", "Error"),
                    "409": error("the job has not succeeded (yet)", "Error"),
                    **errors("Error", 401, 429),
                    **gone,
                    **unavailable,
                },
            },
        },
    }


def job_schema() -> dict:
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
