"""One planned piece → its audio: engine, then signal processing, edge trimming and its pause."""

from __future__ import annotations

import numpy as np

from app.audio import effects
from app.engines import Engine, SynthesisFailed
from app.errors import SynthesisError
from app.synthesis.plan import Piece


def render_piece(engine: Engine, piece: Piece) -> np.ndarray:
    """Float32 audio of ``piece`` at the engine's rate, followed by its pause. CPU work: call it
    on a synthesis thread."""
    rate = engine.sample_rate
    audio = np.zeros(0, np.float32)
    if piece.text:
        try:
            rendered = engine.synthesize(piece.text, piece.style)
        except SynthesisFailed as exc:
            raise SynthesisError(str(exc)) from exc
        audio = effects.apply(rendered.audio, rate, rendered.residual)
        audio = effects.trim_silence(audio, rate, start=piece.trim_start, end=piece.trim_end)
    if piece.pause_after:
        audio = np.concatenate([audio, np.zeros(round(piece.pause_after * rate), np.float32)])
    return audio
