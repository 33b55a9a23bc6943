"""Per-worker LRU cache of encoded audio, bounded in bytes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from cachetools import LRUCache

from app import metrics


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


class AudioCache:
    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache[str, Clip] | None = (
            LRUCache(maxsize=max_bytes, getsizeof=lambda clip: len(clip.body)) if max_bytes > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> Clip | None:
        if self._entries is None:
            return None
        with self._lock:
            clip = self._entries.get(key)
        metrics.CACHE.labels(result="hit" if clip else "miss").inc()
        return replace(clip, cache_hit=True) if clip else None

    def put(self, key: str, clip: Clip) -> None:
        if self._entries is None or len(clip.body) > self._entries.maxsize:
            return
        with self._lock:
            self._entries[key] = clip
