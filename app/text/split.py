"""Sentence splitting: long text is synthesised one bounded piece at a time.

Bounding each piece keeps the acoustic model's memory and latency flat and lets
the first sentence be streamed while the rest is still being synthesised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.text.ssml import PLACEHOLDER_CLASS

# Silence inserted after a piece, by what ended it (seconds). The model already
# pads every piece with a short leading and trailing silence of its own.
PAUSE_PARAGRAPH = 0.45
PAUSE_SENTENCE = 0.2
PAUSE_CLAUSE = 0.05

_SENTENCE_END = re.compile(r"(\n+|[。！？!?；;…]+[”’\"')）》」』]*|\.(?=\s|$)[”’\"')）]*)")
_CLAUSE_END = re.compile(r"([，,、：:]+)")
# Placeholder characters stand for SSML pronunciation overrides.
_SPEAKABLE = re.compile(rf"[\u3400-\u9fffA-Za-z{PLACEHOLDER_CLASS}]")


@dataclass(frozen=True)
class Sentence:
    """A piece of normalised text synthesised in one engine call."""

    text: str
    pause_after: float = PAUSE_SENTENCE


def speakable_length(text: str) -> int:
    return len(_SPEAKABLE.findall(text))


def _pieces(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split after each match of ``pattern``, keeping the delimiter with the left part."""
    parts = pattern.split(text)
    out = ["".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
    return [p for p in out if p.strip()]


def _hard_split(text: str, max_chars: int) -> list[str]:
    """Cut a clause with no punctuation into pieces of at most ``max_chars`` speakable chars."""
    pieces: list[str] = []
    current = ""
    count = 0
    for ch in text:
        current += ch
        if _SPEAKABLE.match(ch):
            count += 1
            if count >= max_chars:
                pieces.append(current)
                current, count = "", 0
    if current.strip():
        pieces.append(current)
    return pieces


def _pack(clauses: list[str], max_chars: int) -> list[str]:
    """Greedily join consecutive clauses while they fit in ``max_chars``."""
    packed: list[str] = []
    for clause in clauses:
        if packed and speakable_length(packed[-1]) + speakable_length(clause) <= max_chars:
            packed[-1] += clause
        else:
            packed.append(clause)
    return packed


def _split_lead(sentence: Sentence, lead_chars: int) -> list[Sentence]:
    """Cut a short first piece off ``sentence``: at a comma if one is close enough, else hard."""
    lead = ""
    for clause in _pieces(sentence.text, _CLAUSE_END):
        if lead and speakable_length(lead + clause) > lead_chars:
            break
        lead += clause
    if speakable_length(lead) > lead_chars or lead == sentence.text:
        lead = _hard_split(sentence.text, lead_chars)[0]
    rest = sentence.text[len(lead) :].strip()
    if not speakable_length(rest):
        return [sentence]
    return [Sentence(lead.strip(), PAUSE_CLAUSE), Sentence(rest, sentence.pause_after)]


def split_sentences(text: str, max_chars: int, first_max_chars: int | None = None) -> list[Sentence]:
    """Split normalised text into sentences no longer than ``max_chars`` speakable characters.

    With ``first_max_chars`` the first piece is at most that long (streaming: the
    first audio is ready sooner).
    """
    sentences = _split(text, max_chars)
    if first_max_chars and sentences and speakable_length(sentences[0].text) > first_max_chars:
        sentences[:1] = _split_lead(sentences[0], first_max_chars)
    return sentences


def _split(text: str, max_chars: int) -> list[Sentence]:
    sentences: list[Sentence] = []
    for raw in _pieces(text, _SENTENCE_END):
        pause = PAUSE_PARAGRAPH if raw.endswith("\n") else PAUSE_SENTENCE
        raw = raw.strip()
        if not speakable_length(raw):
            continue
        if speakable_length(raw) <= max_chars:
            sentences.append(Sentence(raw, pause))
            continue
        clauses: list[str] = []
        for clause in _pieces(raw, _CLAUSE_END):
            clauses.extend(_hard_split(clause, max_chars) if speakable_length(clause) > max_chars else [clause])
        pieces = [p.strip() for p in _pack(clauses, max_chars) if speakable_length(p)]
        sentences.extend(Sentence(p, PAUSE_CLAUSE) for p in pieces[:-1])
        sentences.append(Sentence(pieces[-1], pause))
    return sentences
