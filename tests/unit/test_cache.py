"""The per-worker audio cache: bounded in bytes, least recently used goes first, off at 0."""

from __future__ import annotations

from app.synthesis.cache import AudioCache, Clip
from app.synthesis.request import cache_key


def clip(size: int) -> Clip:
    return Clip(b"x" * size, duration=1.0, sample_rate=24000, synthesis_seconds=0.1)


def test_a_stored_clip_comes_back_marked_as_a_hit():
    cache = AudioCache(1000)
    cache.put("a", clip(10))
    hit = cache.get("a")
    assert hit is not None and hit.cache_hit and hit.body == b"x" * 10
    assert cache.get("b") is None


def test_the_cache_is_bounded_in_bytes_and_evicts_the_least_recently_used():
    cache = AudioCache(250)
    cache.put("a", clip(100))
    cache.put("b", clip(100))
    assert cache.get("a") is not None  # a is now more recent than b
    cache.put("c", clip(100))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_clips_larger_than_the_whole_cache_are_not_stored():
    cache = AudioCache(50)
    cache.put("big", clip(51))
    assert cache.get("big") is None


def test_a_zero_sized_cache_stores_nothing():
    cache = AudioCache(0)
    cache.put("a", clip(1))
    assert cache.get("a") is None


def test_keys_differ_whenever_an_output_changing_field_does():
    base = {"engine": "embedded", "request": {"text": "你好", "speed": 1.0}, "voice": "baker", "rate": 24000}
    assert cache_key(**base) == cache_key(**dict(reversed(list(base.items()))))
    assert cache_key(**base) != cache_key(**{**base, "request": {"text": "你好", "speed": 1.1}})
    assert cache_key(**base) != cache_key(**{**base, "rate": 16000})
