"""Planning: a request's spans of text and breaks → the engine calls to make.

Plain text is one span in the request's style; SSML gives several, each with its
own delivery. Every span is normalised and split into bounded sentences; each
sentence becomes one engine call followed by its pause. An SSML ``<break>``
replaces the natural pause, and the model's own edge silences around it are cut,
so the silence heard is the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from app.engines import Style
from app.text.normalize import normalize
from app.text.split import speakable_length, split_sentences
from app.text.ssml import Break, Span
from app.text.user_lexicon import UserLexicon

# Sentences are capped in characters so the model's memory stays bounded; slow
# speech makes more frames per character, so the cap shrinks with the tempo.
MIN_SENTENCE_CHARS = 8


@dataclass(frozen=True)
class Piece:
    """One engine call (none when ``text`` is empty) and the silence after it."""

    text: str
    style: Style
    pause_after: float = 0.0  # seconds
    trim_start: bool = False  # a break precedes: cut the model's leading silence
    trim_end: bool = False  # a break follows: cut the model's trailing silence


def plan_pieces(
    items: list[Span | Break],
    style_of: Callable[[Span], Style],
    max_sentence_chars: int,
    lead_chars: int | None = None,
    lexicon: UserLexicon | None = None,
) -> list[Piece]:
    """Engine calls for ``items``; with ``lead_chars`` the first one is kept that short."""
    pieces: list[Piece] = []
    after_break = False
    for item in items:
        if isinstance(item, Break):
            if pieces and pieces[-1].trim_end:  # consecutive breaks add up
                pieces[-1] = replace(pieces[-1], pause_after=pieces[-1].pause_after + item.seconds)
            elif pieces:
                pieces[-1] = replace(pieces[-1], pause_after=item.seconds, trim_end=True)
            else:
                pieces.append(Piece("", style_of(Span("")), item.seconds, trim_end=True))
            after_break = True
            continue
        style = style_of(item)
        tempo = style.prosody.tempo
        max_chars = max(MIN_SENTENCE_CHARS, round(max_sentence_chars * min(1.0, tempo)))
        lead = lead_chars if not pieces else None
        text = normalize(item.text, lexicon)
        sentences = split_sentences(text, max_chars, first_max_chars=lead)
        for sentence in sentences:
            pieces.append(Piece(sentence.text, style, sentence.pause_after / tempo, trim_start=after_break))
            after_break = False
        if sentences and speakable_length(text.rstrip(" \t")[-1:]):
            # The span stops mid-sentence (the delivery changes there): no pause.
            pieces[-1] = replace(pieces[-1], pause_after=0.0)
    if pieces and not pieces[-1].trim_end:
        pieces[-1] = replace(pieces[-1], pause_after=0.0)  # no natural pause after the last word
    return pieces
