"""Measurements on synthesised audio used by several test modules."""

from __future__ import annotations

import io

import numpy as np
import pyworld
import soundfile


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return audio, rate


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def f0_stats(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """Median F0 in Hz and the interquartile range of F0 in semitones."""
    f0, _ = pyworld.harvest(audio.astype(np.float64), rate, f0_floor=60.0, f0_ceil=800.0)
    voiced = f0[f0 > 0]
    semitones = 12 * np.log2(voiced / np.median(voiced))
    return float(np.median(voiced)), float(np.percentile(semitones, 75) - np.percentile(semitones, 25))


def speech_fraction(audio: np.ndarray, rate: int) -> float:
    """Share of 20 ms frames louder than -40 dBFS: near 0 for silence, high for speech."""
    frame = rate // 50
    n = len(audio) // frame
    frames = audio[: n * frame].reshape(n, frame)
    level = np.sqrt(np.mean(frames**2, axis=1))
    return float(np.mean(level > 0.01))
