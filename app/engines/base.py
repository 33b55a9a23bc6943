"""The engine interface: what the synthesis service needs from a TTS model.

An engine turns one sentence of normalised text into float32 mono audio. It
renders as much of the requested prosody as the model can do natively and
returns the rest, which the service then applies with signal processing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from app.audio.prosody import Prosody
from app.audio.timeline import Timeline
from app.config import Settings
from app.text.ssml import Reading
from app.text.user_lexicon import UserLexicon


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
class EngineInfo:
    """What is known of an engine without loading it (for validation, listings, cache keys)."""

    name: str
    sample_rate: int
    voices: tuple[Voice, ...]
    model: str = ""  # which model files: part of cache keys and ETags, so a new model is a new clip
    # True when the model speaks emotions itself; otherwise the synthesis core
    # turns the emotion into a prosody preset.
    native_emotions: bool = False
    # True when ``synthesize`` reports where each character is in its audio (``Rendered.timeline``):
    # requests for timestamps or subtitles are refused up front on other engines.
    timings: bool = False
    # True when the engine takes a <break> inside a sentence (``Style.breaks``) and SSML <mark>
    # placeholders in its text; otherwise breaks split the sentence and marks are dropped.
    inline_breaks: bool = False

    @property
    def voice_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.voices)


@dataclass(frozen=True)
class Style:
    """How to speak: the voice, the emotion, the prosody to realise, pronunciation overrides
    (SSML ``<phoneme>``) keyed by their placeholder characters, the users' lexicon, and the seconds
    each <break> inside a sentence adds, keyed by its placeholder character."""

    voice: str
    emotion: str = "neutral"
    intensity: float = 1.0
    prosody: Prosody = field(default_factory=Prosody)
    readings: Mapping[str, Reading] = field(default_factory=dict)
    lexicon: UserLexicon | None = None
    breaks: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    audio: np.ndarray  # float32 mono in [-1, 1] at the engine's sample rate
    residual: Prosody  # the part of the requested prosody still to be applied
    # Where each character of the text is in ``audio`` (sources index the text given), None when
    # the engine cannot tell.
    timeline: Timeline | None = None


class Engine(ABC):
    info: ClassVar[EngineInfo]

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Engine:
        """Load the engine as the settings describe; raises EngineUnavailable with the reason."""

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @abstractmethod
    def synthesize(self, text: str, style: Style) -> Rendered:
        """Speak one sentence of normalised text. Must be safe to call from any thread."""


def empty_audio() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)
