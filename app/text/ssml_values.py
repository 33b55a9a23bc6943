"""SSML attribute values: break times and strengths, prosody rates, pitches and volumes, emotions.

Every value is checked against the API's own ranges (``app.schemas``), so SSML can ask
for nothing the request parameters could not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element

from app.schemas import EMOTION_IDS, INTENSITY, PITCH, SPEED, VOLUME, Range

MAX_BREAK_S = 10.0
BREAK_STRENGTHS = {"none": 0.0, "x-weak": 0.1, "weak": 0.2, "medium": 0.4, "strong": 0.7, "x-strong": 1.0}
RATES = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.6}
PITCHES = {"x-low": -6.0, "low": -3.0, "medium": 0.0, "default": 0.0, "high": 3.0, "x-high": 6.0}
VOLUMES = {"silent": 0.0, "x-soft": 0.4, "soft": 0.7, "medium": 1.0, "default": 1.0, "loud": 1.4, "x-loud": 1.8}


class SSMLError(ValueError):
    """The document is not SSML this service can speak; the message says why."""


@dataclass(frozen=True)
class ProsodyChange:
    """What ``<prosody>`` asks of a span: a rate multiplier, a pitch shift in semitones
    and a volume multiplier, on top of the request's own controls."""

    rate: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0

    def then(self, inner: ProsodyChange) -> ProsodyChange:
        """Nested elements combine: rates and volumes multiply, pitch shifts add."""
        return ProsodyChange(self.rate * inner.rate, self.pitch + inner.pitch, self.volume * inner.volume)


def _seconds(value: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*", value)
    if not match:
        raise SSMLError(f"<break> time '{value}' is not a duration such as 500ms or 1.5s")
    seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
    if seconds > MAX_BREAK_S:
        raise SSMLError(f"<break> time '{value}' is longer than {MAX_BREAK_S:g}s")
    return seconds


def break_seconds(el: Element) -> float:
    if el.get("time") is not None:
        return _seconds(el.get("time", ""))
    strength = el.get("strength", "medium")
    if strength not in BREAK_STRENGTHS:
        raise SSMLError(f"<break> strength '{strength}' is not one of {', '.join(BREAK_STRENGTHS)}")
    return BREAK_STRENGTHS[strength]


def _relative(value: str) -> tuple[float, str] | None:
    """'+20%' → (20, '%'), '-3st' → (-3, 'st'), '1.5' → (1.5, '')."""
    match = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*(%|st|db|)\s*", value.lower())
    return (float(match.group(1)), match.group(2)) if match else None


def prosody_change(el: Element) -> ProsodyChange:
    change = ProsodyChange()
    if (rate := el.get("rate")) is not None:
        change = replace(change, rate=_rate(rate))
    if (pitch := el.get("pitch")) is not None:
        change = replace(change, pitch=_pitch(pitch))
    if (volume := el.get("volume")) is not None:
        change = replace(change, volume=_volume(volume))
    return change


def _checked(value: float, allowed: Range, what: str, raw: str) -> float:
    if value not in allowed:
        raise SSMLError(f"<prosody> {what} '{raw}' is outside {allowed.low:g}–{allowed.high:g}")
    return value


def _rate(raw: str) -> float:
    if raw in RATES:
        return RATES[raw]
    parsed = _relative(raw)
    if parsed is None or parsed[1] not in ("%", ""):
        raise SSMLError(f"<prosody> rate '{raw}' must be x-slow…x-fast, a percentage or a multiplier")
    number, unit = parsed
    rate = number
    if unit == "%":  # "+20%" is relative, "120%" absolute
        rate = 1.0 + number / 100.0 if raw.strip()[0] in "+-" else number / 100.0
    return _checked(rate, SPEED, "rate", raw)


def _pitch(raw: str) -> float:
    if raw in PITCHES:
        return PITCHES[raw]
    parsed = _relative(raw)
    if parsed is None or parsed[1] not in ("st", "%"):
        raise SSMLError(f"<prosody> pitch '{raw}' must be x-low…x-high, semitones (+2st) or a percentage (+10%)")
    number, unit = parsed
    if unit == "%":
        if number <= -100:
            raise SSMLError(f"<prosody> pitch '{raw}' is outside {PITCH.low:g}–{PITCH.high:g} semitones")
        number = 12.0 * math.log2(1.0 + number / 100.0)
    return _checked(number, PITCH, "pitch (semitones)", raw)


def _volume(raw: str) -> float:
    if raw in VOLUMES:
        return VOLUMES[raw]
    parsed = _relative(raw)
    if parsed is None:
        raise SSMLError(f"<prosody> volume '{raw}' must be silent…x-loud, decibels (+6dB), a percentage or 0–200")
    number, unit = parsed
    if unit == "db":
        gain = 10.0 ** (number / 20.0)
    elif unit == "%" or raw.strip()[0] in "+-":
        gain = 1.0 + number / 100.0
    else:
        gain = number / 100.0  # SSML's absolute scale, 100 = as is
    return _checked(gain, VOLUME, "volume (gain)", raw)


def emotion(el: Element) -> tuple[str, float | None]:
    category = el.get("category", "")
    if category not in EMOTION_IDS:
        raise SSMLError(f"<emotion> category '{category}' is not one of {', '.join(EMOTION_IDS)}")
    raw = el.get("intensity")
    if raw is None:
        return category, None
    try:
        intensity = float(raw)
    except ValueError:
        raise SSMLError(f"<emotion> intensity '{raw}' is not a number") from None
    if intensity not in INTENSITY:
        raise SSMLError(f"<emotion> intensity '{raw}' is outside {INTENSITY.low:g}–{INTENSITY.high:g}")
    return category, intensity
