"""Grapheme to pinyin: normalised text → syllables with tones and prosodic breaks.

Phrase-aware readings come from pypinyin's phrase dictionary (银行 yin2 hang2,
行走 xing2 zou3); tone sandhi is applied per prosodic phrase; Latin letters are
spelled with their usual Chinese letter names; anything else is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.text.lexicon import lexicon
from app.text.sandhi import apply_sandhi
from app.text.ssml import PLACEHOLDER_CLASS, Reading, is_break_placeholder

# Prosodic break labels of the Baker corpus: #0 none, #2 phrase, #3 intonational phrase.
BREAK_NONE = "#0"
BREAK_PHRASE = "#2"
BREAK_CLAUSE = "#3"

ERHUA = "r"  # pseudo-syllable: rhotic ending fused with the previous syllable (哪儿 nar3)

# How Chinese speakers name Latin letters, as pinyin syllables.
# Q has no Mandarin syllable of its own: 'ke you' is the usual approximation.
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "A": ("ei1",), "B": ("bi4",), "C": ("xi1",), "D": ("di4",), "E": ("yi4",),
    "F": ("ai2", "fu5"), "G": ("ji4",), "H": ("ai2", "qi1"), "I": ("ai4",), "J": ("jie4",),
    "K": ("kai4",), "L": ("ai2", "le5"), "M": ("ai2", "mu5"), "N": ("en1",), "O": ("ou1",),
    "P": ("pi4",), "Q": ("ke4", "you1"), "R": ("a1", "er5"), "S": ("ai2", "si5"), "T": ("ti4",),
    "U": ("you1",), "V": ("wei1",), "W": ("da2", "bu5", "liu5"), "X": ("ai2", "ke4", "si5"),
    "Y": ("wai4",), "Z": ("zei4",),
}  # fmt: skip

# Characters after which a final 儿 is the rhotic suffix rather than a syllable (这儿, 一点儿).
_ERHUA_HOSTS = set("这那哪点会玩事劲味空活块边样孩花歌画门伴趣号片头")

_CLAUSE_MARKS = set("，,：:；;。！？!?…—-")
_PHRASE_MARKS = set("、")
_TOKEN = re.compile(
    rf"(?P<han>[\u3400-\u9fff]+)|(?P<latin>[A-Za-z]+)|(?P<reading>[{PLACEHOLDER_CLASS}])|(?P<mark>.)", re.S
)


@dataclass(frozen=True)
class Phrase:
    """Syllables read without a pause, and the prosodic break that follows them."""

    syllables: tuple[str, ...]
    brk: str = BREAK_NONE
    # Where they came from (for timestamps): the text index of each syllable's character, and of the
    # punctuation mark or <break> placeholder that set ``brk``. Not part of equality.
    sources: tuple[int, ...] = field(default=(), compare=False)
    brk_source: int | None = field(default=None, compare=False)


def _han_words(run: str) -> list[tuple[str, list[str]]]:
    """Segment a run of Chinese characters and read each segment with its phrase pinyin."""
    words = lexicon()
    return [(word, words.read(word)) for word in words.segment(run)]


def _fixed(syllables: list[str]) -> tuple[str, list[str]]:
    """Syllables read exactly as given: placeholder characters take part in no tone sandhi."""
    return "·" * len(syllables), syllables


def _spell(letters: str) -> tuple[str, list[str]]:
    return _fixed([s for letter in letters.upper() for s in LETTER_NAMES[letter]])


def _surface_syllables(words: list[tuple[str, list[str]]], kept: list[int] | None = None) -> list[str]:
    """Apply tone sandhi, fuse rhotic 儿 into the syllable before it, drop unreadable characters.
    ``kept`` receives the index (in the joined words) of the character of each syllable."""
    chars = "".join(w for w, _ in words)
    sylls = [s for group in apply_sandhi(words) for s in group]
    out: list[str] = []
    for i, (ch, syl) in enumerate(zip(chars, sylls, strict=True)):
        if ch == "儿" and i and chars[i - 1] in _ERHUA_HOSTS and out:
            out.append(ERHUA)
        elif syl:
            out.append(syl)
        else:
            continue
        if kept is not None:
            kept.append(i)
    return out


_STRENGTH = {BREAK_NONE: 0, BREAK_PHRASE: 1, BREAK_CLAUSE: 2}


def to_phrases(text: str, readings: Mapping[str, Reading] | None = None) -> list[Phrase]:
    """Read normalised text as phrases of toned syllables separated by prosodic breaks.

    ``readings`` maps the placeholder characters of SSML ``<phoneme>`` overrides
    to the syllables they stand for.
    """
    phrases: list[Phrase] = []
    pending: list[tuple[str, list[str]]] = []
    pending_src: list[int] = []  # the text index of every character of the pending words

    def close(brk: str, mark: int | None = None) -> None:
        kept: list[int] = []
        sylls = _surface_syllables(pending, kept) if pending else []
        sources = tuple(pending_src[i] for i in kept)
        pending.clear()
        pending_src.clear()
        if sylls:
            phrases.append(Phrase(tuple(sylls), brk, sources, mark))
        elif phrases and (
            _STRENGTH[brk] > _STRENGTH[phrases[-1].brk] or (mark is not None and is_break_placeholder(text[mark]))
        ):  # "！？" or "，“": keep the stronger break; an asked-for <break> wins over punctuation
            last = phrases[-1]
            phrases[-1] = Phrase(last.syllables, brk, last.sources, mark)

    for m in _TOKEN.finditer(text):
        if m.group("han"):
            pending.extend(_han_words(m.group("han")))
            pending_src.extend(range(m.start(), m.end()))
        elif m.group("latin"):
            pending.append(_spell(m.group("latin")))
            for i, letter in enumerate(m.group("latin").upper()):
                pending_src.extend([m.start() + i] * len(LETTER_NAMES[letter]))
        elif m.group("reading"):
            reading = (readings or {}).get(m.group("reading"))
            if reading:
                pending.append(_fixed(list(reading.syllables)))
                pending_src.extend([m.start()] * len(reading.syllables))
        elif m.group("mark") in _CLAUSE_MARKS or is_break_placeholder(m.group("mark")):
            close(BREAK_CLAUSE, m.start())
        elif m.group("mark") in _PHRASE_MARKS:
            close(BREAK_PHRASE, m.start())
        # Whitespace, quotes, brackets, emoji and other symbols carry no sound.
    close(BREAK_NONE)
    return phrases
