"""Audio encoding: float32 samples → bytes of a container the client asked for."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile


@dataclass(frozen=True)
class AudioFormat:
    name: str
    mimetype: str
    extension: str


FORMATS: dict[str, AudioFormat] = {
    "wav": AudioFormat("wav", "audio/wav", "wav"),
}


def encode(audio: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    """Encode mono float32 audio in [-1, 1]; WAV is 16-bit PCM."""
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0), sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
