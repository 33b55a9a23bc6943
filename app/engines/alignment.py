"""FastSpeech2's durations → where each character and pause is in the audio of one call.

The acoustic model's third output is the number of mel frames of every input
symbol; they sum to the mel length and MB-MelGAN makes exactly 300 samples a
frame, so symbol k owns samples [300·Σd[<k], 300·Σd[≤k]) with no rounding.

But the sound lags the symbols' slots (measured on this model, research/issue 11):
a ``#0`` slot is mostly the previous syllable's final, the next initial getting
0–4 frames of its own; at punctuation the ``#3`` slot starts with the previous
final's decay and the silence begins 40–120 ms into it; the closing ``sil`` slot
is the last final's tail, the trailing silence is in the ``eos`` slot. Two rules,
tuned on 15 development sentences and checked on 15 others, turn slots into edges:

- a syllable boundary inside a ``#0`` slot is at BOUNDARY_FRACTION of the slot
  (median error 9 ms against the energy drop before voiceless initials);
- a pause (``#2``/``#3``, the leading and trailing silence) is the run of quiet
  mel frames (mean log-mel below QUIET_MEL, gaps of BRIDGE_FRAMES bridged) that
  starts inside the break's slot or the symbol after it: the model's own output,
  already in memory. Where the model made no silence the pause is empty, placed
  LAG_FRAMES into the slot. (33/34 test pauses in measured silence ±40 ms, against
  27/34 for the slots alone.)

The constants belong to this model, hence to the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.audio.timeline import CHAR, MARK, PAUSE, Segment, Timeline
from app.engines.baker import Token
from app.text.ssml import is_break_placeholder, is_mark_placeholder

BOUNDARY_FRACTION = 0.78
QUIET_MEL = -0.8
BRIDGE_FRAMES = 2
LAG_FRAMES = 7
PAUSE_BREAKS = frozenset({"#2", "#3"})
# The marks that end a sentence's closing silence, and the closers that may follow them.
_PAUSE_MARKS = "。！？!?；;…，,、：:—-."
_CLOSERS = "”’\"')）》」』"


def quiet_frames(mel: np.ndarray) -> np.ndarray:
    """Which frames of a [T, 80] mel the vocoder renders as silence."""
    return mel.mean(axis=1) < QUIET_MEL if mel.size else np.zeros(0, bool)


def quiet_run(quiet: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """The longest run of quiet frames that starts inside [lo, hi), or None.

    Up to BRIDGE_FRAMES loud frames inside a run are bridged (a breath click),
    and a run may go on past ``hi`` while the frames stay quiet: the window only
    says *which* silence belongs to the break.
    """
    best: tuple[int, int] | None = None
    n = len(quiet)
    i = max(0, lo)
    while i < min(hi, n):
        if not quiet[i]:
            i += 1
            continue
        j = i
        while j < n and (quiet[j] or quiet[j + 1 : j + 1 + BRIDGE_FRAMES].any()):
            j += 1
        while not quiet[j - 1]:
            j -= 1
        if best is None or j - i > best[1] - best[0]:
            best = (i, j)
        i = j
    return best


def token_edges(frames: np.ndarray) -> np.ndarray:
    """Frame index where each token starts, plus the total at the end."""
    return np.concatenate([[0], np.cumsum(frames)]).astype(np.int64)


def piece_timeline(
    text: str, tokens: Sequence[Token], frames: np.ndarray, mel: np.ndarray, rate: int, hop: int
) -> Timeline:
    """Characters and pauses of one engine call, in samples of its raw audio (``hop`` samples a frame).

    ``text`` is the text the tokens were made from; segment sources index it.
    """
    edges = token_edges(frames)
    total = int(edges[-1])
    syllables = [t.syllable for t in tokens if t.syllable is not None]
    if not syllables:
        return Timeline(rate, total * hop)
    quiet = quiet_frames(mel)
    lead_end, tail_start = _edge_pauses(tokens, edges, quiet)

    cuts: dict[int, tuple[int, int]] = {}  # syllable → (its end, the next one's start), in frames
    pauses: dict[int, tuple[int, int, Token]] = {}  # syllable → the pause after it
    for k, tok in enumerate(tokens):
        if tok.kind != "break":
            continue
        prev = tokens[k - 1].syllable
        lo, hi = int(edges[k]), int(edges[k + 1])
        if tok.symbol in PAUSE_BREAKS:
            run = quiet_run(quiet, lo, int(edges[min(k + 2, len(tokens))]))
            if run is None:
                at = min(hi, lo + LAG_FRAMES)
                run = (at, at)
            cuts[prev] = run
            pauses[prev] = (*run, tok)
        else:
            at = lo + round(BOUNDARY_FRACTION * (hi - lo))
            cuts[prev] = (at, at)

    first_frame: dict[int, int] = {}
    source_of: dict[int, tuple[int, int] | None] = {}
    for k, t in enumerate(tokens):
        if t.syllable is not None:
            first_frame.setdefault(t.syllable, int(edges[k]))
            source_of[t.syllable] = (
                (t.source, t.end if t.end is not None else t.source + 1) if t.source is not None else None
            )
    numbers = sorted(first_frame)

    segments: list[Segment] = []
    if lead_end:
        segments.append(Segment(PAUSE, "", 0, lead_end * hop))
    start = lead_end
    for i, n in enumerate(numbers):
        if n in cuts:
            end = cuts[n][0]
        elif i + 1 < len(numbers):  # no break before the next one (儿化): it starts at its first frame
            end = first_frame[numbers[i + 1]]
            cuts[n] = (end, end)
        else:
            end = tail_start
        source = source_of[n]
        segments.append(Segment(CHAR, text[slice(*source)] if source else "", start * hop, end * hop, source))
        if n in pauses:
            p0, p1, tok = pauses[n]
            segments.append(_pause(text, tok.source, p0 * hop, p1 * hop))
        if n in cuts:
            start = cuts[n][1]
    if tail_start < total:
        segments.append(_pause(text, _final_mark(text), tail_start * hop, total * hop))
    return Timeline(rate, total * hop, tuple(_merge_chars(segments)))


def with_marks(timeline: Timeline, text: str) -> Timeline:
    """A zero-length MARK for every SSML <mark> placeholder in ``text``: at the start of the next
    spoken character (the end of the last one when none follows)."""
    marks = [i for i, ch in enumerate(text) if is_mark_placeholder(ch)]
    if not marks:
        return timeline
    chars = [s for s in timeline.segments if s.kind == CHAR and s.source is not None]
    added = []
    for i in marks:
        after = next((c for c in chars if c.source and c.source[0] > i), None)
        at = after.start if after else (chars[-1].end if chars else 0)
        added.append(Segment(MARK, text[i], at, at, (i, i + 1)))
    ordered = sorted([*timeline.segments, *added], key=lambda s: (s.start, s.kind != MARK))
    return timeline.with_segments(ordered)


def _pause(text: str, mark: int | None, start: int, end: int) -> Segment:
    """A pause labelled by the punctuation that made it (a <break> or an edge has no label)."""
    if mark is None or is_break_placeholder(text[mark]):
        return Segment(PAUSE, "", start, end)
    return Segment(PAUSE, text[mark], start, end, (mark, mark + 1))


def _edge_pauses(tokens: Sequence[Token], edges: np.ndarray, quiet: np.ndarray) -> tuple[int, int]:
    """(end of the leading silence, start of the trailing silence), in frames."""
    total = int(edges[-1])
    first = next(k for k, t in enumerate(tokens) if t.syllable is not None)
    run = quiet_run(quiet, 0, int(edges[first + 1]))
    lead_end = run[1] if run and run[0] == 0 else 0
    run = quiet_run(quiet, int(edges[len(tokens) - 2]), total)
    tail_start = run[0] if run and run[1] == total else total
    return lead_end, tail_start


def _final_mark(text: str) -> int | None:
    """Index of the punctuation that ends ``text`` (closing quotes and brackets skipped), if any."""
    end = len(text.rstrip(_CLOSERS + " \t\n"))
    return end - 1 if end and text[end - 1] in _PAUSE_MARKS else None


def _merge_chars(segments: list[Segment]) -> list[Segment]:
    """A character read as several syllables (a Latin letter, a <phoneme>) is one segment."""
    out: list[Segment] = []
    for s in segments:
        last = out[-1] if out else None
        if last and s.kind == last.kind == CHAR and last.source == s.source and s.source is not None:
            out[-1] = Segment(CHAR, last.text, last.start, s.end, last.source)
        else:
            out.append(s)
    return out
