"""Every setting of the service, read from ``TTS_*`` environment variables.

This is the only place configuration is read. Each field documents its
environment variable (the upper-cased field name with a ``TTS_`` prefix) and
its default; the README's configuration table mirrors this file.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def available_cpus() -> int:
    """CPUs this process may run on (respects taskset/cgroup cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TTS_", extra="ignore", frozen=True)

    # Engine
    engine: Literal["embedded"] = "embedded"
    engine_threads: int = Field(1, ge=1, le=64, description="intra-op threads per model interpreter")
    synthesis_threads: int = Field(1, ge=1, le=64, description="OS threads per worker running synthesis")

    # Request limits
    max_text_chars: int = Field(5000, ge=1, le=1_000_000)
    max_sentence_chars: int = Field(40, ge=8, le=200, description="longer sentences are split")
    concurrency: int = Field(2, ge=1, le=256, description="requests synthesising at once, per worker")
    queue: int = Field(16, ge=0, le=10_000, description="requests waiting for a slot, per worker; more get 503")
    request_timeout: float = Field(120.0, gt=0, description="deadline of one request, seconds (504 after)")
    cache_mb: int = Field(16, ge=0, le=100_000, description="per-worker cache of encoded audio, MiB (0 = off)")
    log_texts: bool = Field(False, description="include request texts in logs")

    # Serving (read by gunicorn.conf.py)
    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(default_factory=available_cpus, ge=1, le=256)
    timeout: int = Field(150, ge=5, description="gunicorn worker timeout, seconds (above request_timeout)")
    graceful_timeout: int = Field(30, ge=1, description="seconds a stopping worker may finish requests")
    max_requests: int = Field(5000, ge=0, description="restart a worker after this many requests (0 = never)")
    max_requests_jitter: int = Field(500, ge=0)
    keepalive: int = Field(5, ge=0)
    warmup: bool = True
    log_level: Literal["debug", "info", "warning", "error"] = "info"


def load_settings(overrides: dict | None = None) -> Settings:
    """Settings from the environment, with ``overrides`` (e.g. from tests) on top."""
    return Settings(**(overrides or {}))
