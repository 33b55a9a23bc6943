"""The service's own Prometheus metrics (HTTP metrics and ``/metrics`` are in ``app.api.metrics``).

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py) before any
worker imports prometheus_client, so every worker writes its values to files
there and ``/metrics`` sums them across workers, whichever worker answers.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SYNTHESIS_SECONDS = Histogram(
    "tts_synthesis_seconds",
    "Time to synthesise one request's audio (engine, effects, encoding)",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 60, 120),
)
AUDIO_SECONDS = Counter("tts_audio_seconds_total", "Seconds of audio produced")
CHARACTERS = Counter("tts_characters_total", "Characters of text synthesised")
QUEUE_DEPTH = Gauge("tts_queue_depth", "Requests waiting for a synthesis slot", multiprocess_mode="livesum")
REJECTED = Counter("tts_rejected_total", "Requests refused by admission control or deadline", ["reason"])
CACHE = Counter("tts_cache_requests_total", "Audio cache lookups", ["result"])
ENGINE_LOAD_SECONDS = Gauge(
    "tts_engine_load_seconds", "Time the engine took to load, per worker", multiprocess_mode="liveall"
)
SHARED_CACHE_UP = Gauge(
    "tts_shared_cache_up",
    "1 while the Redis audio cache shared by replicas answers, 0 while it is off",
    multiprocess_mode="liveall",
)
