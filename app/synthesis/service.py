"""The synthesis service: text in, audio out, one sentence at a time.

request → check → normalise and split (on a synthesis thread) → per sentence:
engine → prosody effects → pause. The web layer calls ``synthesize`` (whole
clip) and never sees the engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from app.audio import effects
from app.audio.prosody import Prosody, emotion_prosody, user_prosody
from app.config import Settings
from app.engines import Engine, Style, engine_class
from app.errors import InvalidParameter, TextTooLong
from app.synthesis.host import EngineHost
from app.text.normalize import normalize
from app.text.split import Sentence, split_sentences

# Sentences are capped in characters so the model's memory stays bounded; slow
# speech makes more frames per character, so the cap shrinks with the tempo.
MIN_SENTENCE_CHARS = 8


@dataclass(frozen=True)
class Request:
    text: str
    voice: str | None = None
    emotion: str = "neutral"
    intensity: float = 1.0
    speed: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0


@dataclass(frozen=True)
class Result:
    audio: np.ndarray  # float32 mono
    sample_rate: int
    synthesis_seconds: float

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


class SynthesisService:
    def __init__(self, settings: Settings, host: EngineHost) -> None:
        self.settings = settings
        self.host = host
        self.engine_info: type[Engine] = engine_class(settings)

    @property
    def sample_rate(self) -> int:
        return self.engine_info.sample_rate

    def check(self, request: Request) -> Style:
        """Validate what the schema cannot know (limits, voices); return the delivery style."""
        if not request.text.strip():
            raise InvalidParameter("'text' is empty", code="empty_text", param="text")
        if len(request.text) > self.settings.max_text_chars:
            raise TextTooLong(
                f"'text' has {len(request.text)} characters; the limit is {self.settings.max_text_chars}",
                param="text",
                limit=self.settings.max_text_chars,
            )
        voices = [v.id for v in self.engine_info.voices]
        voice = request.voice or voices[0]
        if voice not in voices:
            raise InvalidParameter(f"unknown voice '{voice}'; available: {', '.join(voices)}", param="voice")
        prosody = user_prosody(request.speed, request.pitch, request.volume)
        if not self.engine_info.native_emotions:
            prosody = prosody.then(emotion_prosody(request.emotion, request.intensity))
        return Style(voice=voice, emotion=request.emotion, intensity=request.intensity, prosody=prosody)

    # -- work done on synthesis threads ----------------------------------------
    def plan(self, text: str, prosody: Prosody) -> list[Sentence]:
        max_chars = max(MIN_SENTENCE_CHARS, round(self.settings.max_sentence_chars * min(1.0, prosody.tempo)))
        sentences = split_sentences(normalize(text), max_chars)
        if not sentences:
            raise InvalidParameter("'text' contains nothing that can be spoken", code="nothing_to_say", param="text")
        return sentences

    def render(self, sentence: Sentence, style: Style) -> np.ndarray:
        engine = self.host.engine()
        rendered = engine.synthesize(sentence.text, style)
        return effects.apply(rendered.audio, engine.sample_rate, rendered.residual)

    # -- called by the web layer -------------------------------------------------
    def stream(self, request: Request) -> Iterator[np.ndarray]:
        """Audio of ``request`` sentence by sentence, pauses included."""
        style = self.check(request)
        sentences = self.host.run(self.plan, request.text, style.prosody)
        for i, sentence in enumerate(sentences):
            yield self.host.run(self.render, sentence, style)
            if i < len(sentences) - 1:
                yield np.zeros(round(sentence.pause_after / style.prosody.tempo * self.sample_rate), np.float32)

    def synthesize(self, request: Request) -> Result:
        started = time.perf_counter()
        pieces = list(self.stream(request))
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        return Result(audio, self.sample_rate, time.perf_counter() - started)

    def warm_up(self) -> None:
        """Load the engine and run one sentence of the maximum length, on a synthesis thread.

        The models' working memory grows to fit the longest input seen and stays
        there; reaching that size at start-up keeps memory flat under traffic.
        """
        text = ("今天天气很好我们一起去公园散步吧" * 10)[: self.settings.max_sentence_chars] + "。"
        style = self.check(Request(text=text))
        self.host.submit(lambda: [self.render(s, style) for s in self.plan(text, style.prosody)])
