"""One planned piece → its audio: engine, then signal processing, edge trimming and its pause.

The engine's timeline (where each character is) follows every step that moves
time, in the same order, and its sources move from the piece's normalised text to
the document's text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from app.audio import effects
from app.audio.timeline import CHAR, PAUSE, Segment, Timeline
from app.engines import Engine, SynthesisFailed
from app.errors import SynthesisError
from app.synthesis.plan import Piece


@dataclass(frozen=True)
class RenderedPiece:
    audio: np.ndarray  # float32 at the engine's rate, the piece's pause included
    timeline: Timeline | None  # sources index the document's text; None when the engine cannot tell
    piece: Piece


def render_piece(engine: Engine, piece: Piece) -> RenderedPiece:
    """Float32 audio of ``piece`` at the engine's rate, followed by its pause, and its timeline.
    CPU work: call it on a synthesis thread."""
    rate = engine.sample_rate
    audio = np.zeros(0, np.float32)
    timeline: Timeline | None = Timeline(rate, 0)
    if piece.text:
        try:
            rendered = engine.synthesize(piece.text, piece.style)
        except SynthesisFailed as exc:
            raise SynthesisError(str(exc)) from exc
        audio = effects.apply(rendered.audio, rate, rendered.residual)
        timeline = rendered.timeline
        if timeline is not None and rendered.residual.changes_voice:
            timeline = timeline.scaled(rendered.residual.tempo, len(audio))  # WORLD: t → t / tempo
        first, last = effects.silence_bounds(audio, rate, start=piece.trim_start, end=piece.trim_end)
        audio = audio[first:last]
        if timeline is not None:
            timeline = to_document(timeline.cropped(first, last), piece)
    if piece.pause_after:
        samples = round(piece.pause_after * rate)
        audio = np.concatenate([audio, np.zeros(samples, np.float32)])
        if timeline is not None:
            timeline = timeline.padded(samples, Segment(PAUSE, "", 0, 0))
    return RenderedPiece(audio, timeline, piece)


def to_document(timeline: Timeline, piece: Piece) -> Timeline:
    """Sources of the piece's text → sources of the document's text. The characters of one
    rewritten span ("2024" read 二零二四) become one segment over the whole span."""
    if not piece.sources:
        return timeline
    out: list[Segment] = []
    for s in timeline.segments:
        if s.source is None:
            out.append(s)
            continue
        a, b = s.source
        span = (piece.sources[a][0], piece.sources[b - 1][1])
        last = out[-1] if out else None
        if last is not None and s.kind == last.kind == CHAR and last.source == span:
            out[-1] = replace(last, end=s.end)
        else:
            out.append(replace(s, source=span))
    return timeline.with_segments(out)
