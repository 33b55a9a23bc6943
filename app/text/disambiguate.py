"""Choosing the reading of every polyphonic character of a sentence.

Score of a reading = log(max(model probability, FLOOR)) + the dictionary votes
for it (``phrase_votes.py``). The floor keeps a confidently wrong model from
out-shouting three dictionaries that agree; FLOOR and the vote weights were
chosen on CPP's dev set (dev 98.07 %, 5-fold cross-validation of the weights 97.96 %), and
the test set was measured once with them (see bench/frontend.py).

一 and 不 are left to tone sandhi, which knows their surface tones better. One
rule beats the model: 地 right after a reduplicated word (慢慢地, 悄悄地) is de5.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass

from app.text.lexicon import lexicon
from app.text.phrase_votes import PhraseVotes
from app.text.polyphones import polyphone_model

FLOOR = 1e-3
_LEFT_TO_SANDHI = frozenset("一不")


@dataclass(frozen=True)
class Choice:
    reading: str
    candidates: tuple[str, ...]  # every reading the character can have


_build_lock = threading.Lock()


@functools.cache
def _phrase_votes() -> PhraseVotes:
    return PhraseVotes(frozenset(polyphone_model().candidates), lexicon().phrases)


def phrase_votes() -> PhraseVotes:
    """The process-wide vote table, built on first use (1.5–3 s), once even when threads race."""
    with _build_lock:
        return _phrase_votes()


def warm_up() -> None:
    """Load the model and the vote table now rather than in the first request."""
    phrase_votes()


def is_polyphone(ch: str) -> bool:
    return ch not in _LEFT_TO_SANDHI and polyphone_model().is_polyphone(ch)


def choose(sentence: str, positions: list[int], boundaries: set[int] | frozenset[int]) -> dict[int, Choice]:
    """The reading of each polyphonic character at ``positions`` (indices into ``sentence``).

    ``boundaries`` are the indices where the phrase dictionary's segmentation puts word breaks.
    """
    positions = [i for i in positions if is_polyphone(sentence[i])]
    if not positions:
        return {}
    distributions = polyphone_model().distributions(sentence, positions)
    votes = phrase_votes().votes(sentence, positions, boundaries)
    out: dict[int, Choice] = {}
    for i, dist in zip(positions, distributions, strict=True):
        if sentence[i] == "地" and i >= 2 and sentence[i - 1] == sentence[i - 2] and "de5" in dist:
            out[i] = Choice("de5", tuple(dist))  # 慢慢地走: 地 after a reduplicated word is the particle
            continue
        score = {r: math.log(max(p, FLOOR)) for r, p in dist.items()}
        for vote in votes[i]:
            if vote.reading in score:
                score[vote.reading] += vote.weight
        out[i] = Choice(max(score, key=score.__getitem__), tuple(dist))
    return out
