"""Every setting of the service, read from ``TTS_*`` environment variables.

This is the only place configuration is read. Each field documents its
environment variable (the upper-cased field name with a ``TTS_`` prefix) and
its default; the configuration table in docs/operations.md mirrors this file.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


def available_cpus() -> int:
    """CPUs this process may use: its CPU affinity, capped by a cgroup v2 CPU quota
    (a container's CPU limit, which affinity does not show)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


ENV_PREFIX = "TTS_"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[Network]:
    """'127.0.0.1,10.0.0.0/8' → networks; raises ValueError for anything else."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


class ConfigError(ValueError):
    """A TTS_* variable has a value the service cannot use."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Engine
    engine: Literal["embedded", "sambert"] = "embedded"
    sambert_model_dir: str = Field("", description="local ModelScope Sambert-HifiGan model directory")
    engine_threads: int = Field(1, ge=1, le=64, description="intra-op threads per model interpreter")
    synthesis_threads: int = Field(1, ge=1, le=64, description="OS threads per worker running synthesis")
    vocoder_runtime: Literal["onnxruntime", "litert"] = Field(
        "onnxruntime", description="what runs MB-MelGAN (LiteRT if ONNX Runtime cannot, with a warning)"
    )
    fan_out: int = Field(
        2,
        ge=1,
        le=64,
        description="cores one sentence's vocoder work may spread over while they are idle (1 = off); each "
        "worker keeps that many vocoder interpreters, capped at the CPUs available",
    )

    # Request limits
    max_text_chars: int = Field(5000, ge=1, le=1_000_000)
    max_sentence_chars: int = Field(40, ge=8, le=200, description="longer sentences are split")
    concurrency: int = Field(2, ge=1, le=256, description="requests synthesising at once, per worker")
    queue: int = Field(16, ge=0, le=10_000, description="requests waiting for a slot, per worker; more get 503")
    request_timeout: float = Field(120.0, gt=0, description="deadline of one request, seconds (504 after)")
    cache_mb: int = Field(8, ge=0, le=100_000, description="per-worker cache of encoded audio, MiB (0 = off)")
    shared_cache_ttl: int = Field(
        86_400,
        ge=0,
        description="seconds a clip stays in the Redis cache shared by replicas (0 = off; needs redis_url)",
    )
    http_cache_s: int = Field(
        86_400, ge=0, description="max-age of GET /tts responses for browsers and CDNs, seconds (0 = no-store)"
    )
    log_texts: bool = Field(False, description="include request texts in logs")
    lexicon: str = Field("", description="pronunciation lexicon file (docs/api.md); reloaded on SIGHUP")

    # Access
    api_keys: str = Field("", description="comma-separated API keys; empty = no authentication")
    rate_limit: str = Field("", description="e.g. '60/minute;1000/day' per key or client address; empty = off")
    redis_url: str = Field("", description="redis://host:port/db: rate-limit counters, shared audio cache, jobs")
    trusted_proxies: str = Field("127.0.0.1,::1", description="addresses whose X-Forwarded-For is believed")
    cors_origins: str = Field("", description="comma-separated origins allowed by CORS, or *; empty = off")

    # Long-text jobs (Celery workers, state in Redis at redis_url, result files in job_dir)
    job_dir: str = Field("", description="job results, shared by web and job workers; empty = <tmp>/huayin-jobs")
    job_ttl: int = Field(86400, ge=1, description="seconds a job and its result are kept after submission (410 after)")
    max_job_chars: int = Field(200_000, ge=1, le=2_000_000, description="text limit of one job")
    max_jobs_per_key: int = Field(2, ge=0, le=10_000, description="queued or running jobs per API key (0 = no limit)")
    job_stale_after: float = Field(30.0, ge=1, le=3600, description="seconds without heartbeat before a retry")

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

    @property
    def api_key_list(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.api_keys.split(",") if k.strip())

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            from limits import parse_many

            parse_many(value)  # raises ValueError with the reason
        return value.strip()

    @property
    def job_path(self) -> Path:
        return Path(self.job_dir) if self.job_dir else Path(tempfile.gettempdir()) / "huayin-jobs"

    @property
    def trusted_networks(self) -> list[Network]:
        return parse_networks(self.trusted_proxies)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value


def load_settings(overrides: dict | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``TTS_*`` environment variables, with ``overrides`` (e.g. from tests) on top.

    Unknown ``TTS_*`` variables are logged (a misspelt setting should not pass
    unnoticed) but not fatal: other software, such as Kubernetes service links
    for a Service named "tts", may set some.
    """
    environ = os.environ if environ is None else environ
    values: dict = {k[len(ENV_PREFIX) :].lower(): v for k, v in environ.items() if k.startswith(ENV_PREFIX)}
    unknown = sorted(k for k in values if k not in Settings.model_fields)
    if unknown:
        logging.getLogger(__name__).warning(
            "ignoring unknown settings: %s", ", ".join(ENV_PREFIX + k.upper() for k in unknown)
        )
    values = {k: v for k, v in values.items() if k not in unknown}
    values.update(overrides or {})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
