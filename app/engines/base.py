"""The engine interface: what the synthesis service needs from a TTS model.

An engine turns one sentence of normalised text into float32 mono audio. It
renders as much of the requested prosody as the model can do natively and
returns the rest, which the service then applies with signal processing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from app.audio.prosody import Prosody
from app.text.ssml import Reading


class EngineUnavailable(RuntimeError):
    """The engine cannot be loaded (missing package, model files or a failed load)."""


class SynthesisFailed(RuntimeError):
    """A loaded engine could not synthesise a sentence (the message says why)."""


@dataclass(frozen=True)
class Voice:
    id: str
    name_zh: str
    name_en: str
    gender: str


@dataclass(frozen=True)
class Style:
    """How to speak: the voice, the emotion, the prosody to realise, and
    pronunciation overrides (SSML ``<phoneme>``) keyed by their placeholder characters."""

    voice: str
    emotion: str = "neutral"
    intensity: float = 1.0
    prosody: Prosody = field(default_factory=Prosody)
    readings: Mapping[str, Reading] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    audio: np.ndarray  # float32 mono in [-1, 1] at the engine's sample rate
    residual: Prosody  # the part of the requested prosody still to be applied


class Engine(ABC):
    name: str
    sample_rate: int
    voices: tuple[Voice, ...]
    # True when the model speaks emotions itself; otherwise the service turns
    # the emotion into a prosody preset.
    native_emotions: bool = False

    @abstractmethod
    def synthesize(self, text: str, style: Style) -> Rendered:
        """Speak one sentence of normalised text. Must be safe to call from any thread."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release model resources."""

    @property
    def default_voice(self) -> str:
        return self.voices[0].id


def empty_audio() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)
