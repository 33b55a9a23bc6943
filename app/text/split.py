"""Sentence splitting: long text is synthesised one bounded piece at a time.

Bounding each piece keeps the acoustic model's memory and latency flat and lets
the first sentence be streamed while the rest is still being synthesised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Silence inserted after a piece, by what ended it (seconds). The model already
# pads every piece with a short leading and trailing silence of its own.
PAUSE_PARAGRAPH = 0.45
PAUSE_SENTENCE = 0.2
PAUSE_CLAUSE = 0.05

_SENTENCE_END = re.compile(r"(\n+|[。！？!?；;…]+[”’\"')）》」』]*|\.(?=\s|$)[”’\"')）]*)")
_CLAUSE_END = re.compile(r"([，,、：:]+)")
_SPEAKABLE = re.compile(r"[\u3400-\u9fffA-Za-z]")


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


def split_sentences(text: str, max_chars: int) -> list[Sentence]:
    """Split normalised text into sentences no longer than ``max_chars`` speakable characters."""
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
