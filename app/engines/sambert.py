"""The Sambert-HifiGan multi-emotion engine, through ModelScope (optional extra).

For users who have the model directory of ModelScope's
``speech_sambert-hifigan_tts_zh-cn_16k`` (voices zhitian_emo, zhiyan_emo,
zhizhe_emo, zhibei_emo). The model speaks emotions itself: a sentence is sent as
``<speak><emotion category=… intensity=…>text</emotion></speak>``, the markup its
front-end reads, with the user's text XML-escaped. The pipeline returns a 16 kHz
WAV file as bytes (``output_wav``), decoded here into the common float32 path, so
formats, resampling, streaming, cache and metrics work as with any engine.

Nothing here imports ModelScope until the engine is created, and the model
directory is checked first, so a wrong path is a clear error, never a download.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import soundfile

from app.audio.encode import Resampler
from app.config import Settings
from app.engines.base import (
    Engine,
    EngineInfo,
    EngineUnavailable,
    Rendered,
    Style,
    SynthesisFailed,
    Voice,
    empty_audio,
)
from app.text.ssml import Reading
from app.threads import native_lock

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
OUTPUT_WAV = "output_wav"  # modelscope.outputs.OutputKeys.OUTPUT_WAV
MODEL_CONFIG = "configuration.json"
# The markup's intensity must be positive; 0 means "no emotion", i.e. neutral.
MIN_INTENSITY, MAX_INTENSITY = 0.01, 2.0
INSTALL_HINT = "install the extra with `make sambert` (pip install -r requirements-sambert.txt)"
FRONTEND_HINT = (
    ". ModelScope's Sambert front-end (kantts, ttsfrd) comes from ModelScope's own package index and runs"
    " only on Python <= 3.10; see docs/engines.md (Sambert)"
)

Pipeline = Callable[..., Mapping[str, Any]]


def check_model_dir(model_dir: str) -> Path:
    """The model directory, or a clear error saying what is wrong with it."""
    if not model_dir:
        raise EngineUnavailable("TTS_ENGINE=sambert needs TTS_SAMBERT_MODEL_DIR, the model's local directory")
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise EngineUnavailable(f"the Sambert model directory {path} does not exist (TTS_SAMBERT_MODEL_DIR)")
    if not (path / MODEL_CONFIG).is_file():
        raise EngineUnavailable(f"{path} is not a ModelScope model directory: it has no {MODEL_CONFIG}")
    return path.resolve()


def load_pipeline(model_dir: Path) -> Pipeline:
    """ModelScope's text-to-speech pipeline for a local model directory."""
    try:
        from modelscope.pipelines import pipeline
        from modelscope.utils.constant import Tasks
    except ImportError as exc:
        raise EngineUnavailable(f"the Sambert engine needs ModelScope ({exc}): {INSTALL_HINT}") from exc
    try:
        return pipeline(task=Tasks.text_to_speech, model=str(model_dir))
    except Exception as exc:  # ModelScope raises many kinds; all mean "cannot load"
        reason = " ".join(str(exc).split())
        hint = FRONTEND_HINT if any(word in reason for word in ("kantts", "ttsfrd", "Python version")) else ""
        raise EngineUnavailable(f"ModelScope could not load the Sambert model in {model_dir}: {reason}{hint}") from exc


def emotion_markup(text: str, emotion: str, intensity: float) -> str:
    """The model's input for one sentence: escaped text, wrapped in its emotion markup."""
    body = escape(text)
    if emotion == "neutral" or intensity <= 0:
        return f"<speak>{body}</speak>"
    level = min(MAX_INTENSITY, max(MIN_INTENSITY, intensity))
    return (
        f"<speak><emotion category={quoteattr(emotion)} intensity={quoteattr(f'{level:.2f}')}>{body}</emotion></speak>"
    )


def restore_readings(text: str, readings: Mapping[str, Reading]) -> str:
    """Put the original characters back in place of SSML <phoneme> placeholders: the
    model reads characters, not pinyin, so an override cannot be honoured."""
    for placeholder, reading in readings.items():
        text = text.replace(placeholder, reading.text)
    return text


def decode_wav(data: Any) -> np.ndarray:
    """WAV bytes from the pipeline → float32 mono at SAMPLE_RATE."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise SynthesisFailed(f"the Sambert pipeline returned no WAV bytes under '{OUTPUT_WAV}'")
    try:
        audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise SynthesisFailed(f"the Sambert pipeline returned audio that cannot be decoded: {exc}") from exc
    mono = audio.mean(axis=1)
    return np.ascontiguousarray(Resampler(rate, SAMPLE_RATE)(mono, last=True), dtype=np.float32)


class SambertEngine(Engine):
    info = EngineInfo(
        "sambert",
        SAMPLE_RATE,
        (
            Voice("zhitian_emo", "知甜（女声）", "Zhitian (female)", "female"),
            Voice("zhiyan_emo", "知燕（女声）", "Zhiyan (female)", "female"),
            Voice("zhizhe_emo", "知哲（男声）", "Zhizhe (male)", "male"),
            Voice("zhibei_emo", "知贝（童声）", "Zhibei (child)", "child"),
        ),
        native_emotions=True,
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> SambertEngine:
        return cls(settings.sambert_model_dir)

    def __init__(self, model_dir: str, load: Callable[[Path], Pipeline] = load_pipeline) -> None:
        self._pipeline = load(check_model_dir(model_dir))
        # One synthesis at a time: the pipeline keeps per-call state on the model.
        self._lock = native_lock()

    def synthesize(self, text: str, style: Style) -> Rendered:
        # Speed, pitch and volume are not model inputs: the service applies them all.
        text = restore_readings(text, style.readings)
        if not any(ch.isalnum() for ch in text):
            return Rendered(empty_audio(), style.prosody)
        markup = emotion_markup(text, style.emotion, style.intensity)
        with self._lock:
            try:
                output = self._pipeline(input=markup, voice=style.voice)
            except Exception as exc:
                log.exception("Sambert synthesis failed")
                raise SynthesisFailed(f"the Sambert model failed on this text: {exc}") from exc
        if not isinstance(output, Mapping) or OUTPUT_WAV not in output:
            raise SynthesisFailed(f"the Sambert pipeline returned no '{OUTPUT_WAV}'")
        return Rendered(decode_wav(output[OUTPUT_WAV]), style.prosody)
