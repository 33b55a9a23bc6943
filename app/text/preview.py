"""Reading preview: how a text will be read, sentence by sentence, without synthesising it.

``reading(text)`` runs the same steps as synthesis (normalisation with offsets,
sentence splitting, G2P with polyphone decisions and tone sandhi) and keeps what
a user needs to see *why* something is read that way: which spans of the input
were rewritten (numbers, units, aliases), which characters were polyphones and
what they could have been, and the pinyin over every piece of the input (for a
ruby view). All offsets are indices into ``text`` as given.

``SentenceReading.pinyin`` is exactly the syllables the engine is fed, in order,
space separated: surface tones after sandhi, ``r`` for a rhotic 儿 fused with the
syllable before it (这儿 → "zhe4 r").
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from app.text.g2p import read_units
from app.text.normalize import normalize_with_offsets
from app.text.offsets import Chunk
from app.text.split import split_sentences
from app.text.ssml import Reading
from app.text.user_lexicon import UserLexicon

# Sentence length used when the caller does not give the service's own cap.
DEFAULT_MAX_SENTENCE_CHARS = 10_000


@dataclass(frozen=True)
class Polyphone:
    start: int
    end: int
    char: str
    reading: str  # dictionary reading chosen (before sandhi), e.g. "hang2"
    candidates: tuple[str, ...]  # every reading the character can have


@dataclass(frozen=True)
class Rewrite:
    start: int
    end: int
    source: str  # the input as written, e.g. "¥12"
    spoken: str  # what is read instead, e.g. "十二元"


@dataclass(frozen=True)
class Ruby:
    """A piece of the input and the syllables read for it ("" for silent pieces)."""

    start: int
    end: int
    text: str
    pinyin: str
    rewritten: bool = False
    polyphone: bool = False


@dataclass(frozen=True)
class SentenceReading:
    source: str  # the sentence as given
    spoken: str  # the normalised sentence as it will be read
    pinyin: str  # the syllables the engine is fed
    start: int
    end: int
    polyphones: list[Polyphone]
    rewritten: list[Rewrite]
    ruby: list[Ruby]


def reading(
    text: str,
    readings: Mapping[str, Reading] | None = None,
    lexicon: UserLexicon | None = None,
    max_sentence_chars: int = DEFAULT_MAX_SENTENCE_CHARS,
) -> list[SentenceReading]:
    """The preview of ``text`` (plain text, or one SSML span's text with its ``readings``)."""
    chunks = normalize_with_offsets(text, lexicon)
    spoken = "".join(c.spoken for c in chunks)
    # Where each chunk starts in the spoken text, to map spoken indices back to chunks.
    starts: list[int] = []
    pos = 0
    for chunk in chunks:
        starts.append(pos)
        pos += len(chunk.spoken)

    out: list[SentenceReading] = []
    cursor = 0
    for sentence in split_sentences(spoken, max_sentence_chars):
        begin = spoken.find(sentence.text, cursor)
        cursor = begin + len(sentence.text)
        first = bisect.bisect_right(starts, begin) - 1
        last = bisect.bisect_right(starts, cursor - 1) - 1
        out.append(
            _sentence(text, sentence.text, begin, chunks[first : last + 1], starts[first : last + 1], readings, lexicon)
        )
    return out


def _sentence(
    text: str,
    spoken: str,
    begin: int,
    chunks: list[Chunk],
    chunk_starts: list[int],
    readings: Mapping[str, Reading] | None,
    lexicon: UserLexicon | None,
) -> SentenceReading:
    phrases = read_units(spoken, readings, lexicon)
    units = [u for p in phrases for u in p.units]
    # Syllables and polyphone flags per chunk of the input; a unit read over several chunks
    # (spelled letters "HuaYin") joins them into one ruby piece.
    per_chunk: dict[int, list[str]] = {}
    poly_chunks: set[int] = set()
    joined_to: dict[int, int] = {}  # first chunk of a unit → its last chunk
    polyphones: list[Polyphone] = []
    for unit in units:
        k = bisect.bisect_right(chunk_starts, begin + unit.start) - 1
        last = bisect.bisect_right(chunk_starts, begin + unit.end - 1) - 1
        joined_to[k] = max(joined_to.get(k, k), last)
        per_chunk.setdefault(k, []).extend(unit.syllables)
        if unit.source == "model":
            poly_chunks.add(k)
            char = spoken[unit.start : unit.end]
            polyphones.append(Polyphone(chunks[k].start, chunks[k].end, char, unit.dictionary, unit.candidates))
    ruby: list[Ruby] = []
    rewritten: list[Rewrite] = []
    k = 0
    while k < len(chunks):
        last = joined_to.get(k, k)
        group = chunks[k : last + 1]
        source = text[group[0].start : group[-1].end]
        spoken_text = "".join(c.spoken for c in group)
        # Punctuation only made half-width (or full-width again) is not worth showing as a rewrite.
        changed = unicodedata.normalize("NFKC", source) != unicodedata.normalize("NFKC", spoken_text)
        if changed:
            rewritten.append(Rewrite(group[0].start, group[-1].end, source, spoken_text))
        syllables = [s for j in range(k, last + 1) for s in per_chunk.get(j, [])]
        polyphone = any(j in poly_chunks for j in range(k, last + 1))
        ruby.append(Ruby(group[0].start, group[-1].end, source, " ".join(syllables), changed, polyphone))
        k = last + 1
    start, end = (chunks[0].start, chunks[-1].end) if chunks else (0, 0)
    pinyin = " ".join(s for p in phrases for s in p.syllables)
    return SentenceReading(text[start:end], spoken, pinyin, start, end, polyphones, rewritten, ruby)
