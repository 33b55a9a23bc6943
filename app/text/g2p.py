"""Grapheme to pinyin: normalised text → syllables with tones and prosodic breaks.

Readings come from pypinyin's phrase dictionary (银行 yin2 hang2, 行走 xing2
zou3); every polyphonic character is then decided by the neural model weighed
against the phrase dictionaries (``disambiguate.py``); a user lexicon's pinyin
entries override both. Tone sandhi is applied per prosodic phrase; Latin letters
are spelled with their usual Chinese letter names; anything else is dropped.

``read_units`` keeps, for every character, what it is read as and why, for the
reading preview; ``to_phrases`` is what the engine consumes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.text.disambiguate import choose
from app.text.lexicon import lexicon as phrase_lexicon
from app.text.neutral_tone import NEUTRAL_TONE_WORDS
from app.text.sandhi import apply_sandhi
from app.text.ssml import PLACEHOLDER_CLASS, Reading, is_break_placeholder
from app.text.user_lexicon import UserLexicon

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
_STRENGTH = {BREAK_NONE: 0, BREAK_PHRASE: 1, BREAK_CLAUSE: 2}


@dataclass(frozen=True)
class Phrase:
    """Syllables read without a pause, and the prosodic break that follows them."""

    syllables: tuple[str, ...]
    brk: str = BREAK_NONE
    # Where each syllable came from, for timestamps: the [start, end) of its unit in the text
    # (a spelled Latin word or a <phoneme> is one unit). Not part of equality.
    sources: tuple[tuple[int, int], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Unit:
    """A stretch ``[start, end)`` of the normalised text and the surface syllables it is read as.

    ``source`` says where the reading came from: "lexicon" (phrase dictionary),
    "model" (a polyphone decided by the disambiguator; ``candidates`` lists the
    readings it could have had), "user" (a user lexicon entry), "ssml" (a
    ``<phoneme>``), "letters" (spelled Latin letters), "erhua" (a fused 儿).
    """

    start: int
    end: int
    syllables: tuple[str, ...]
    source: str = "lexicon"
    candidates: tuple[str, ...] = ()
    dictionary: str = ""  # the reading before tone sandhi (one character's units only)


@dataclass(frozen=True)
class ReadPhrase:
    units: tuple[Unit, ...]
    brk: str = BREAK_NONE

    @property
    def syllables(self) -> tuple[str, ...]:
        return tuple(s for u in self.units for s in u.syllables)


@dataclass
class _Word:
    """A word of one prosodic phrase before sandhi: one syllable per character."""

    start: int
    text: str
    syllables: list[str]
    sources: list[str]
    candidates: list[tuple[str, ...]]
    fixed: bool = False  # SSML readings and spelled letters take part in no tone sandhi
    neutral: set[int] = field(default_factory=set)  # characters read in the neutral tone


def _han_words(text: str, start: int, lexicon: UserLexicon | None) -> list[_Word]:
    """Segment a run of Chinese characters; user words first, then the phrase dictionary."""
    words = phrase_lexicon()
    out: list[_Word] = []
    pos = start
    for part, is_user in lexicon.segment_pinyin(text) if lexicon else [(text, False)]:
        if is_user:
            out.append(_Word(pos, part, list(lexicon.pinyin[part]), ["user"] * len(part), [()] * len(part)))
        else:
            for word, syllables in words.words(part):
                n = len(word)
                out.append(_Word(pos, word, syllables, ["lexicon"] * n, [()] * n))
                pos += n
            continue
        pos += len(part)
    return out


def _fixed(start: int, end: int, syllables: list[str], source: str) -> _Word:
    return _Word(start, "·" * (end - start), syllables, [source], [()], fixed=True)


def _resolve_polyphones(text: str, words: list[_Word]) -> None:
    """Let the disambiguator decide every polyphonic character the lexicon read (not user words)."""
    positions = [w.start + k for w in words if not w.fixed for k in range(len(w.text)) if w.sources[k] == "lexicon"]
    boundaries = {w.start for w in words} | {w.start + len(w.text) for w in words}
    choices = choose(text, positions, boundaries)
    for w in words:
        for k in range(len(w.text) if not w.fixed else 0):
            choice = choices.get(w.start + k)
            if choice is not None:
                lexical = w.syllables[k]
                # The phrase dictionary knows a word's neutral tone (大夫 dai4 fu5, 头发 tou2 fa5),
                # which the model's citation readings do not have. Like sandhi it is a surface
                # change: kept aside here, applied in _surface.
                if len(w.text) > 1 and lexical[-1:] == "5" and lexical[:-1] == choice.reading[:-1]:
                    w.neutral.add(k)
                w.syllables[k] = choice.reading
                w.sources[k] = "model"
                w.candidates[k] = choice.candidates


def _spoken(word: _Word) -> list[str]:
    """Citation readings → spoken ones: the neutral tone of 弟弟, 头发 (user entries stay as given)."""
    if word.sources[0] != "user" and word.text in NEUTRAL_TONE_WORDS:
        return list(NEUTRAL_TONE_WORDS[word.text])
    return [syl[:-1] + "5" if k in word.neutral else syl for k, syl in enumerate(word.syllables)]


def _surface(words: list[_Word]) -> list[Unit]:
    """Tone sandhi over one prosodic phrase, rhotic 儿 fused, unreadable characters dropped."""
    # A fixed word is one placeholder per syllable for the sandhi rules: they leave "·" alone.
    sandhi_in = [("·" * len(w.syllables), w.syllables) if w.fixed else (w.text, _spoken(w)) for w in words]
    surfaces = apply_sandhi(sandhi_in)
    units: list[Unit] = []
    for w, surface in zip(words, surfaces, strict=True):
        if w.fixed:
            end = w.start + len(w.text)
            units.append(Unit(w.start, end, tuple(surface), w.sources[0]))
            continue
        for k, (ch, syl) in enumerate(zip(w.text, surface, strict=True)):
            prev = units[-1] if units else None
            if ch == "儿" and prev and prev.end == w.start + k and _is_erhua_host(words, w, k):
                units.append(Unit(w.start + k, w.start + k + 1, (ERHUA,), "erhua"))
            elif syl:
                unit = Unit(w.start + k, w.start + k + 1, (syl,), w.sources[k], w.candidates[k], w.syllables[k])
                units.append(unit)
    return units


def _is_erhua_host(words: list[_Word], word: _Word, k: int) -> bool:
    if k:
        return word.text[k - 1] in _ERHUA_HOSTS
    i = words.index(word)
    return i > 0 and not words[i - 1].fixed and words[i - 1].text[-1:] in _ERHUA_HOSTS


def _words(text: str, readings: Mapping[str, Reading] | None, lexicon: UserLexicon | None) -> list[_Word | str]:
    """Words (polyphones decided, before sandhi) and the breaks between them."""
    items: list[_Word | str] = []
    for m in _TOKEN.finditer(text):
        if m.group("han"):
            items.extend(_han_words(m.group("han"), m.start(), lexicon))
        elif m.group("latin"):
            letters = [s for letter in m.group("latin").upper() for s in LETTER_NAMES[letter]]
            items.append(_fixed(m.start(), m.end(), letters, "letters"))
        elif m.group("reading"):
            reading = (readings or {}).get(m.group("reading"))
            if reading:
                items.append(_fixed(m.start(), m.end(), list(reading.syllables), "ssml"))
        elif m.group("mark") in _CLAUSE_MARKS or is_break_placeholder(m.group("mark")):  # SSML <break>
            items.append(BREAK_CLAUSE)
        elif m.group("mark") in _PHRASE_MARKS:
            items.append(BREAK_PHRASE)
        # Whitespace, quotes, brackets, emoji and other symbols carry no sound.
    # The disambiguator sees the whole sentence at once, across the breaks.
    _resolve_polyphones(text, [w for w in items if isinstance(w, _Word)])
    return items


def dictionary_readings(text: str, lexicon: UserLexicon | None = None) -> dict[int, str]:
    """Index in ``text`` → toned syllable of each Chinese character before tone sandhi.

    These are citation readings (行 hang2, 了 le5, 弟弟 di4 di4), what polyphone test sets
    label; the neutral tone of words like 弟弟 (di4 di5) and sandhi come after them.
    """
    out: dict[int, str] = {}
    for item in _words(text, None, lexicon):
        if isinstance(item, _Word) and not item.fixed:
            out.update((item.start + k, syl) for k, syl in enumerate(item.syllables))
    return out


def read_units(
    text: str, readings: Mapping[str, Reading] | None = None, lexicon: UserLexicon | None = None
) -> list[ReadPhrase]:
    """Read normalised text as phrases of units (characters with their surface syllables)."""
    items = _words(text, readings, lexicon)
    phrases: list[ReadPhrase] = []
    pending: list[_Word] = []

    def close(brk: str) -> None:
        units = _surface(pending) if pending else []
        pending.clear()
        if units:
            phrases.append(ReadPhrase(tuple(units), brk))
        elif phrases and _STRENGTH[brk] > _STRENGTH[phrases[-1].brk]:
            phrases[-1] = ReadPhrase(phrases[-1].units, brk)  # "！？" or "，“": keep the stronger break

    for item in items:
        if isinstance(item, str):
            close(item)
        else:
            pending.append(item)
    close(BREAK_NONE)
    return phrases


def to_phrases(
    text: str, readings: Mapping[str, Reading] | None = None, lexicon: UserLexicon | None = None
) -> list[Phrase]:
    """Read normalised text as phrases of toned syllables separated by prosodic breaks.

    ``readings`` maps the placeholder characters of SSML ``<phoneme>`` overrides
    to the syllables they stand for; ``lexicon`` adds users' pinyin entries.
    """
    return [
        Phrase(p.syllables, p.brk, tuple((u.start, u.end) for u in p.units for _ in u.syllables))
        for p in read_units(text, readings, lexicon)
    ]
