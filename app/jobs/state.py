"""What a job is: its id, its status, its progress, and how it is shown to clients.

Pure data, no Redis and no HTTP, so it is tested in-process. The store
(``app.jobs.store``) keeps these fields in one Redis hash per job; every value
there is a string, and ``JobRecord.from_hash`` turns them back into types.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
ACTIVE = frozenset({QUEUED, RUNNING})
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})

# 16 random bytes: unguessable, so an id is enough to reach a job when API keys are off.
_ID_BYTES = 16
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_job_id() -> str:
    return secrets.token_urlsafe(_ID_BYTES)


def valid_job_id(value: str) -> bool:
    """Ids are only ever made by ``new_job_id``; anything else (and any path trick) is refused early."""
    return _ID_PATTERN.fullmatch(value) is not None


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


@dataclass(frozen=True)
class JobRecord:
    id: str
    status: str
    request: dict[str, Any]  # the SynthesisRequest's fields
    format: str
    sample_rate: int
    text_chars: int
    client: str  # a digest of the API key that submitted it; "" when keys are off
    created_at: float
    expires_at: float
    started_at: float | None = None
    finished_at: float | None = None
    sentences_done: int = 0
    sentences_total: int = 0
    audio_seconds: float = 0.0
    error_code: str = ""
    error_message: str = ""
    owner: str = ""  # the worker running it
    heartbeat: float | None = None
    attempts: int = 0

    @classmethod
    def from_hash(cls, job_id: str, fields: dict[str, str]) -> JobRecord:
        return cls(
            id=job_id,
            status=fields["status"],
            request=json.loads(fields["request"]),
            format=fields["format"],
            sample_rate=int(fields["sample_rate"]),
            text_chars=int(fields["text_chars"]),
            client=fields.get("client", ""),
            created_at=float(fields["created_at"]),
            expires_at=float(fields["expires_at"]),
            started_at=_float(fields.get("started_at")),
            finished_at=_float(fields.get("finished_at")),
            sentences_done=int(fields.get("sentences_done") or 0),
            sentences_total=int(fields.get("sentences_total") or 0),
            audio_seconds=float(fields.get("audio_seconds") or 0.0),
            error_code=fields.get("error_code", ""),
            error_message=fields.get("error_message", ""),
            owner=fields.get("owner", ""),
            heartbeat=_float(fields.get("heartbeat")),
            attempts=int(fields.get("attempts") or 0),
        )

    def to_hash(self) -> dict[str, str]:
        """The fields written when the job is created (the worker fills in the rest)."""
        return {
            "status": self.status,
            "request": json.dumps(self.request, ensure_ascii=False),
            "format": self.format,
            "sample_rate": str(self.sample_rate),
            "text_chars": str(self.text_chars),
            "client": self.client,
            "created_at": repr(self.created_at),
            "expires_at": repr(self.expires_at),
            "sentences_done": "0",
            "sentences_total": "0",
            "audio_seconds": "0",
            "attempts": "0",
        }

    def stale(self, now: float, stale_after: float) -> bool:
        """Running, but its worker has not been heard from: it was killed or lost its connection."""
        return self.status == RUNNING and (self.heartbeat is None or now - self.heartbeat > stale_after)

    def document(self, now: float, stale_after: float, audio_url: str) -> dict[str, Any]:
        """The job as the API shows it."""
        error = {"code": self.error_code, "message": self.error_message} if self.error_code else None
        if error is None and self.stale(now, stale_after):
            # Not an end state: the job is put back in the queue and retried (see store.recover).
            silent = now - (self.heartbeat or now)
            message = f"the worker running this job has not been heard from for {silent:.0f} s; it will be retried"
            error = {"code": "worker_lost", "message": message}
        return {
            "id": self.id,
            "status": self.status,
            "progress": {
                "sentences_done": self.sentences_done,
                "sentences_total": self.sentences_total,
                "audio_seconds": round(self.audio_seconds, 3),
            },
            "error": error,
            "format": self.format,
            "sample_rate": self.sample_rate,
            "text_chars": self.text_chars,
            "attempts": self.attempts,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "expires_at": iso(self.expires_at),
            "audio_url": audio_url if self.status == SUCCEEDED else None,
            # Extension point: once the core can report word timings, a finished job will
            # also offer them here ("timings_url", "subtitles_url"), written beside the audio.
        }
