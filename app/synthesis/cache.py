"""Caches of encoded audio: a per-worker LRU bounded in bytes, and a Redis tier shared by replicas.

A lookup tries this worker's memory first, then Redis; a clip found in Redis is
kept locally too. The shared tier is bounded by a TTL per clip and by Redis's own
``maxmemory`` (with an eviction policy, see deploy/). It is an optimisation only:
when Redis cannot be reached the cache says so (``available``, a metric, /readyz)
and synthesis goes on; a failing Redis is left alone for a few seconds rather
than asked on every request.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cachetools import LRUCache

from app import metrics

log = logging.getLogger(__name__)

# A shared entry: duration (s), synthesis time (s), sample rate, then the encoded body.
_HEADER = struct.Struct("<ddI")
_KEY_PREFIX = "huayin:clip:"
REDIS_TIMEOUT_S = 0.25  # a cache that is slower than this is worse than none
RETRY_AFTER_FAILURE_S = 5.0


@dataclass(frozen=True)
class Clip:
    """Encoded audio ready to send."""

    body: bytes
    duration: float  # seconds of audio
    sample_rate: int
    synthesis_seconds: float
    cache_hit: bool = False

    def log_fields(self) -> dict[str, object]:
        return {"audio_seconds": round(self.duration, 3), "cache": "hit" if self.cache_hit else "miss"}


class SharedCache:
    """Clips in Redis under a TTL; every failure is logged once per outage and swallowed."""

    def __init__(self, redis_url: str, ttl: int) -> None:
        import redis  # only where Redis is configured (~7 MB per worker)

        self._ttl = ttl
        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self._down_until = 0.0
        self.available = True
        metrics.SHARED_CACHE_UP.set(1)

    def get(self, key: str) -> Clip | None:
        data = self._call(lambda: self._redis.get(_KEY_PREFIX + key))
        if not data:
            return None
        duration, synthesis_seconds, rate = _HEADER.unpack_from(data)
        return Clip(bytes(data[_HEADER.size :]), duration, rate, synthesis_seconds, cache_hit=True)

    def put(self, key: str, clip: Clip) -> None:
        header = _HEADER.pack(clip.duration, clip.synthesis_seconds, clip.sample_rate)
        self._call(lambda: self._redis.set(_KEY_PREFIX + key, header + clip.body, ex=self._ttl))

    def _call(self, command: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return None
        try:
            result = command()
        except self._errors as exc:
            if self.available:
                log.warning("shared audio cache is off: Redis cannot be reached (%s)", exc)
            self.available = False
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
            metrics.SHARED_CACHE_UP.set(0)
            return None
        if not self.available:
            log.info("shared audio cache is back on")
        self.available = True
        metrics.SHARED_CACHE_UP.set(1)
        return result


class AudioCache:
    """This worker's LRU of clips, bounded in bytes, in front of an optional shared tier."""

    def __init__(self, max_bytes: int, shared: SharedCache | None = None) -> None:
        self._entries: LRUCache[str, Clip] | None = (
            LRUCache(maxsize=max_bytes, getsizeof=lambda clip: len(clip.body)) if max_bytes > 0 else None
        )
        self._lock = threading.Lock()
        self.shared = shared

    def get(self, key: str) -> Clip | None:
        clip = None
        if self._entries is not None:
            with self._lock:
                clip = self._entries.get(key)
        if clip is not None:
            metrics.CACHE.labels(result="hit").inc()
            return replace(clip, cache_hit=True)
        clip = self.shared.get(key) if self.shared else None
        if clip is not None:
            metrics.CACHE.labels(result="shared_hit").inc()
            self._put_local(key, clip)
            return clip
        metrics.CACHE.labels(result="miss").inc()
        return None

    def put(self, key: str, clip: Clip) -> None:
        self._put_local(key, clip)
        if self.shared is not None:
            self.shared.put(key, clip)

    def _put_local(self, key: str, clip: Clip) -> None:
        if self._entries is None or len(clip.body) > self._entries.maxsize:
            return
        with self._lock:
            self._entries[key] = clip
