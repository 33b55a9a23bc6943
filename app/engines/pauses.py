"""Exact pauses inside one utterance: an SSML <break> as a break symbol, then set to its length.

Speaking ``你好<break time="800ms"/>世界`` as two utterances gives the first half a
sentence ending (phrase-final lengthening, both halves' edge silences): +1.125 s
instead of 0.8 s. Here the sentence is one model call with ``#3`` at the break
(measured: a natural boundary; ``#1`` chops the vowel, ``sil`` needs fades). The
model's own silence there is found from the durations and the quiet mel frames
(``alignment``) and set, in the audio, by inserting digital zeros into its middle
or cutting samples out of it: the vocoder's silence is exact zero, so the seam is
inaudible (max step 0.014 against 0.227 in speech).

``#3`` also lengthens the syllables around it (0.075–0.39 s). So that a break
*adds* what was asked, the acoustic model runs once more on the same symbols
with ``#0`` in place of each break (no vocoder: ~10 % of a sentence's cost, only
for sentences with a break inside): the frames each token gained, summed over a
break's region of the sentence, are that break's share, taken off its silence
(clamped at zero: ``x-weak``/``weak`` may add a little more than asked).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from app.audio.timeline import Timeline
from app.engines.alignment import quiet_frames, quiet_run, token_edges
from app.engines.baker import Token
from app.text.ssml import is_break_placeholder

FADE_S = 0.005  # where the model made no silence at all, the cut is faded out and in


def break_positions(text: str, tokens: Sequence[Token], breaks: Mapping[str, float]) -> dict[int, float]:
    """Token index → seconds asked, for every break symbol that stands for an SSML <break>."""
    return {
        k: breaks.get(text[t.source], 0.0)
        for k, t in enumerate(tokens)
        if t.kind == "break" and t.source is not None and is_break_placeholder(text[t.source])
    }


def natural_pause(quiet: np.ndarray, mel: np.ndarray, edges: np.ndarray, token: int) -> tuple[int, int]:
    """Frames [a, b) of the silence the model made for the break symbol at ``token``."""
    lo, hi = int(edges[token]), int(edges[min(token + 2, len(edges) - 1)])
    run = quiet_run(quiet, lo, hi)
    if run is not None:
        return run
    at = lo + int(np.argmin(mel[lo:hi].mean(axis=1))) if hi > lo else lo  # the quietest frame, zero length
    return at, at


def set_pause(audio: np.ndarray, start: int, end: int, target: int, rate: int) -> tuple[np.ndarray, int, int]:
    """Make the silence [start, end) ``target`` samples long by editing its middle.
    Returns the audio and the edit: (position, samples added; negative: removed)."""
    have = end - start
    middle = (start + end) // 2
    if target >= have:
        head, tail = audio[:middle].copy(), audio[middle:].copy()
        if have == 0:
            n = min(round(FADE_S * rate), len(head), len(tail))
            ramp = np.linspace(1.0, 0.0, n, dtype=np.float32)
            head[len(head) - n :] *= ramp
            tail[:n] *= ramp[::-1]
        return np.concatenate([head, np.zeros(target - have, np.float32), tail]), middle, target - have
    cut = have - target
    lo = middle - cut // 2
    return np.concatenate([audio[:lo], audio[lo + cut :]]), lo, -cut


def set_breaks(
    audio: np.ndarray,
    timeline: Timeline,
    mel: np.ndarray,
    frames: np.ndarray,
    asked: Mapping[int, float],
    plain_frames: Callable[[], np.ndarray],
    hop: int,
) -> tuple[np.ndarray, Timeline]:
    """Set every asked break so that it adds its seconds to the sentence; the timeline follows.

    ``plain_frames()`` runs the acoustic model on the same symbols without the breaks.
    """
    if not asked:
        return audio, timeline
    rate = timeline.rate
    edges = token_edges(frames)
    quiet = quiet_frames(mel)
    gained = (frames - plain_frames()) * hop  # samples each token got longer because of the breaks
    positions = sorted(asked)
    regions = [0, *((a + b) // 2 for a, b in itertools.pairwise(positions)), len(frames)]
    edits = []
    for n, k in enumerate(positions):
        a, b = natural_pause(quiet, mel, edges, k)
        start, end = a * hop, b * hop
        share = int(gained[regions[n] : regions[n + 1]].sum())
        edits.append((start, end, max(0, (end - start) + round(asked[k] * rate) - share)))
    for start, end, target in reversed(edits):  # the last first: earlier positions stay valid
        audio, at, delta = set_pause(audio, start, end, target, rate)
        timeline = timeline.edited(at, delta)
    return audio, timeline
