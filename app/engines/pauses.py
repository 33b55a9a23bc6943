"""Exact pauses inside one utterance: an SSML <break> as a break symbol, then set to its length.

Speaking ``你好<break time="800ms"/>世界`` as two utterances gives the first half a
sentence ending (phrase-final lengthening, both halves' edge silences): +1.125 s
instead of 0.8 s. Here the sentence is one model call with ``#3`` at the break
(measured: a natural boundary; ``#1`` chops the vowel, ``sil`` needs fades). The
model's own silence there is found from the durations and the quiet mel frames
(``alignment``) and set, in the audio, by inserting digital zeros into its middle
or cutting samples out of it: the vocoder's silence is exact zero, so the seam is
inaudible.

``#3`` also lengthens the syllables around it (0.075–0.39 s), so the sentence
would grow by more than was asked. The acoustic model runs once more on the same
symbols with ``#0`` in place of each break (no vocoder: ~10 % of a sentence's
cost, only for sentences with a break inside); every syllable symbol that got
longer loses those extra frames from its run of the mel *before* vocoding. The
length regulator made a symbol's frames by repeating one state, so dropping some
of them is what the model does itself for a shorter duration. Then each break's
silence is set so that the quiet stretch heard there (the service's own silence
rule, ``effects.silence_bounds``: 5 ms frames below 2 % of the loudest) lasts the
asked time, as SSML defines ``time`` and as a break between sentences does. The
sentence then grows by the asked time minus the syllables' decay into silence
(measured 25–45 ms), where it grew by +0.15 s … +0.39 s more than asked before.
A break next to punctuation replaces that punctuation's pause (no second pass).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.audio import effects
from app.audio.timeline import Timeline
from app.engines.alignment import quiet_frames, quiet_run, token_edges
from app.engines.baker import Token
from app.text.ssml import is_break_placeholder

FADE_S = 0.005  # where the model made no silence at all, the cut is faded out and in


# Punctuation the G2P turns into a pause: a <break> next to one takes that pause's place.
_PAUSE_PUNCTUATION = frozenset("，,：:；;。！？!?…—-、")


def break_positions(text: str, tokens: Sequence[Token], breaks: Mapping[str, float]) -> dict[int, float]:
    """Token index → seconds asked, for every break symbol that stands for an SSML <break>."""
    return {
        k: breaks.get(text[t.source], 0.0)
        for k, t in enumerate(tokens)
        if t.kind == "break" and t.source is not None and is_break_placeholder(text[t.source])
    }


def replaces_punctuation(text: str, tokens: Sequence[Token], k: int) -> bool:
    """Whether the break symbol at ``k`` also stands for punctuation next to the <break>."""
    before = next((t.end for t in reversed(tokens[:k]) if t.syllable is not None), None)
    after = next((t.source for t in tokens[k + 1 :] if t.syllable is not None), None)
    lo = before if before is not None else 0
    hi = after if after is not None else len(text)
    return any(ch in _PAUSE_PUNCTUATION for ch in text[lo:hi])


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


def shorten(mel: np.ndarray, frames: np.ndarray, plain: np.ndarray, asked: Mapping[int, float]):
    """Drop from every non-break symbol the frames it gained because of the breaks (evenly spaced
    inside its run); returns the mel [T', 80] and the frames per symbol."""
    edges = token_edges(frames)
    keep = np.ones(mel.shape[0], bool)
    new = frames.copy()
    for k, gained in enumerate(frames - plain):
        if k in asked or gained <= 0 or frames[k] - gained < 1:
            continue
        run = np.arange(edges[k], edges[k + 1])
        drop = run[np.linspace(0, len(run), int(gained), endpoint=False).astype(int) + len(run) // (2 * gained)]
        keep[drop] = False
        new[k] -= gained
    return mel[keep], new


def heard_silence(audio: np.ndarray, rate: int, start: int, end: int) -> int:
    """Samples of the quiet stretch around [start, end), by the service's silence rule."""
    rms, frame = effects.frame_rms(audio, rate)
    if not rms.size or rms.max() <= 0:
        return end - start
    quiet = rms <= effects.SILENCE_RELATIVE_RMS * rms.max()
    lo = hi = min(len(quiet) - 1, (start + end) // 2 // frame)
    if not quiet[lo]:
        return 0
    while lo > 0 and quiet[lo - 1]:
        lo -= 1
    while hi + 1 < len(quiet) and quiet[hi + 1]:
        hi += 1
    return (hi + 1 - lo) * frame


def set_breaks(
    audio: np.ndarray, timeline: Timeline, mel: np.ndarray, frames: np.ndarray, asked: Mapping[int, float], hop: int
) -> tuple[np.ndarray, Timeline]:
    """Set the silence at every asked break so that the quiet stretch heard there lasts the asked
    time; the timeline follows every edit."""
    rate = timeline.rate
    edges = token_edges(frames)
    quiet = quiet_frames(mel)
    pauses = [(*natural_pause(quiet, mel, edges, k), round(asked[k] * rate)) for k in sorted(asked)]
    for a, b, wanted in reversed(pauses):  # the last first: earlier positions stay valid
        start, end = a * hop, b * hop
        for _ in range(2):  # the second round corrects the few ms the frame grid moved
            # What is heard as silence beyond the edited stretch (decay and onset, or less: quiet mel
            # frames that are not quite silent).
            extra = heard_silence(audio, rate, start, end) - (end - start)
            target = max(0, wanted - extra)
            if target == end - start:
                break
            audio, at, delta = set_pause(audio, start, end, target, rate)
            timeline = timeline.edited(at, delta)
            end = start + target
    return audio, timeline
