"""The service's own Prometheus metrics (HTTP metrics and ``/metrics`` are in ``app.api.metrics``).

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py) before any
worker imports prometheus_client, so every worker writes its values to files
there and ``/metrics`` sums them across workers, whichever worker answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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
VOCODER_CALLS = Counter(
    "tts_vocoder_calls_total",
    "Mel spectrograms vocoded, by whether idle cores took part (spread) or not (alone)",
    ["cores"],
)
SHARED_CACHE_UP = Gauge(
    "tts_shared_cache_up",
    "1 while the Redis audio cache shared by replicas answers, 0 while it is off",
    multiprocess_mode="liveall",
)


class JobsCollector(Collector):
    """Long-text jobs by state, read from the job store (Redis) when ``/metrics`` is scraped.

    Job workers may run on other machines, so their numbers cannot come from this
    host's multiprocess files; the store has them for the whole deployment, and
    every web worker answers with the same values. ``counts`` returns an object with
    ``queued``, ``running`` and ``finished`` (status → count), or raises if the store
    is unreachable, which ``tts_jobs_store_up`` then shows as 0.
    """

    def __init__(self, counts: Callable[[], Any]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("tts_jobs_store_up", "1 if the job store (Redis) answered this scrape")
        try:
            counts = self._counts()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        active = GaugeMetricFamily("tts_jobs", "Long-text jobs queued or running now", labels=["state"])
        active.add_metric(["queued"], counts.queued)
        active.add_metric(["running"], counts.running)
        yield active
        finished = CounterMetricFamily("tts_jobs_finished", "Long-text jobs that ended, by status", labels=["status"])
        for status, count in counts.finished.items():
            finished.add_metric([status], count)
        yield finished
