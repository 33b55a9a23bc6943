"""Planning: a request's spans of text and breaks → the engine calls to make.

Plain text is one span in the request's style; SSML gives several, each with its
own delivery. Every span is normalised and split into bounded sentences; each
sentence becomes one engine call followed by its pause. An SSML ``<break>``
replaces the natural pause, and the model's own edge silences around it are cut,
so the silence heard is the one asked for. A ``<break>`` inside a sentence (between
two spans of one delivery, not after a sentence end) stays inside one engine call
as a placeholder character, which the engine makes a pause of exactly that length.

Every piece also knows, for each of its characters, the span of the document's
text it stands for (``Document.text``; for plain text, the request's text), so
timestamps name what the user wrote: "2024年" rather than 二零二四年.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from app.engines import Style
from app.text.normalize import normalize_with_offsets
from app.text.split import speakable_length, split_sentences
from app.text.ssml import BREAK_BASE, Break, Span, is_mark_placeholder
from app.text.user_lexicon import UserLexicon

Source = tuple[int, int]  # [start, end) in the document's text

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
    # The document text span of every character of ``text`` (a rewritten span: all of it).
    sources: tuple[Source, ...] = ()


def plan_pieces(
    items: list[Span | Break],
    style_of: Callable[[Span], Style],
    max_sentence_chars: int,
    lead_chars: int | None = None,
    lexicon: UserLexicon | None = None,
    inline: bool = False,
) -> list[Piece]:
    """Engine calls for ``items``; with ``lead_chars`` the first one is kept that short. ``inline``:
    the engine takes <break> inside a sentence and <mark> placeholders (``EngineInfo.inline_breaks``)."""
    pieces: list[Piece] = []
    after_break = False
    inlined, breaks = inline_breaks(items, inline)
    for item, origin in inlined:
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
        if breaks:
            style = replace(style, breaks=breaks)
        tempo = style.prosody.tempo
        max_chars = max(MIN_SENTENCE_CHARS, round(max_sentence_chars * min(1.0, tempo)))
        lead = lead_chars if not pieces else None
        text, sources = normalized_sources(item.text, origin, lexicon)
        sentences = split_sentences(text, max_chars, first_max_chars=lead)
        cursor = 0
        for sentence in sentences:
            at = text.find(sentence.text, cursor)  # the splitter only cuts and strips
            cursor = at + len(sentence.text)
            piece_sources = tuple(sources[at:cursor]) if at >= 0 else ()
            pieces.append(
                Piece(sentence.text, style, sentence.pause_after / tempo, trim_start=after_break, sources=piece_sources)
            )
            after_break = False
        if sentences and speakable_length(text.rstrip(" \t")[-1:]):
            # The span stops mid-sentence (the delivery changes there): no pause.
            pieces[-1] = replace(pieces[-1], pause_after=0.0)
    if pieces and not pieces[-1].trim_end:
        pieces[-1] = replace(pieces[-1], pause_after=0.0)  # no natural pause after the last word
    return pieces


def inline_breaks(
    items: list[Span | Break], inline: bool = True
) -> tuple[list[tuple[Span | Break, list[Source]]], dict[str, float]]:
    """Items with every <break> inside a sentence moved into its span's text as a placeholder
    character, each span with the document text span of each of its characters (a placeholder:
    an empty span where it stood); and the seconds of each placeholder. Without ``inline``, breaks
    stay as they are and <mark> placeholders are taken out of the text."""
    out: list[tuple[Span | Break, list[Source]]] = []
    breaks: dict[str, float] = {}
    offset = 0
    for i, item in enumerate(items):
        if isinstance(item, Break):
            out.append((item, []))
            continue
        origin = [(offset + k, offset + k + 1) for k in range(len(item.text))]
        offset += len(item.text)
        if not inline:
            kept = [k for k, ch in enumerate(item.text) if not is_mark_placeholder(ch)]
            if len(kept) < len(item.text):
                item = replace(item, text="".join(item.text[k] for k in kept))
                origin = [origin[k] for k in kept]
            out.append((item, origin))
            continue
        prev = out[-1][0] if out else None
        before = out[-2][0] if len(out) > 1 else None
        if (
            isinstance(prev, Break)
            and isinstance(before, Span)
            and (before.prosody, before.emotion, before.intensity) == (item.prosody, item.emotion, item.intensity)
            and _inside_sentence(before.text)
            and i > 1
        ):
            placeholder = chr(BREAK_BASE + len(breaks))
            breaks[placeholder] = prev.seconds
            at = out[-2][1][-1][1] if out[-2][1] else offset - len(item.text)
            merged = replace(before, text=before.text + placeholder + item.text)
            out[-2:] = [(merged, [*out[-2][1], (at, at), *origin])]
            continue
        out.append((item, origin))
    return out, breaks


def _inside_sentence(text: str) -> bool:
    """The text stops where a sentence goes on: after a word or a clause mark, not after 。！？ or a newline."""
    stripped = text.rstrip(" \t")
    return bool(stripped) and stripped[-1] not in "。！？!?；;…\n.”’\"')）》」』"


def normalized_sources(text: str, origin: list[Source], lexicon: UserLexicon | None = None) -> tuple[str, list[Source]]:
    """The normalised text, and the document span of each of its characters: its own for a
    character normalisation left alone, the whole source span for a rewritten one."""
    spoken: list[str] = []
    sources: list[Source] = []
    for chunk in normalize_with_offsets(text, lexicon):
        spoken.append(chunk.spoken)
        first, last = origin[chunk.start], origin[chunk.end - 1]
        if chunk.spoken == text[chunk.start : chunk.end]:
            sources.extend(origin[chunk.start : chunk.end])
        else:
            sources.extend([(first[0], last[1])] * len(chunk.spoken))
    return "".join(spoken), sources
