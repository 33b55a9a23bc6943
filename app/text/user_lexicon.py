"""A pronunciation lexicon users control: words → pinyin, or words → a spoken alias.

The file format (UTF-8 text, one entry per line)::

    # Comments start with '#', at the start of a line or after whitespace.
    银行行长 yin2 hang2 hang2 zhang3    # a Chinese word and one toned syllable per character
    HuaYin 华音                         # any word and the text read in its place
    CEO C E O

- The first whitespace-separated token is the word; the rest of the line is its
  reading. Blank lines and comments are ignored; a later line for the same word
  replaces an earlier one.
- When every token of the reading is a toned pinyin syllable (letters a–z or ü/v
  followed by a tone digit 1–5; 5 is the neutral tone), the entry is a *pinyin*
  entry: the word must be Chinese characters only, with exactly one syllable per
  character. The syllables are the dictionary tones; tone sandhi (3-3, 一, 不) is
  applied after them, as for any word.
- Otherwise the entry is an *alias*: the word is replaced by the reading before
  numbers and symbols are normalised (so an alias may itself hold digits or
  letters). A Latin word matches only as a whole word and is case-sensitive.
- A bad entry raises ``LexiconError`` (a ``ValueError``) naming the line.

Per-request entries (the ``lexicon`` object of a ``/tts`` request) use the same
rules through ``UserLexicon.from_mapping``, bounded in number and size; a
request's entries override the deployment file's (``UserLexicon.merged``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from app.text.offsets import Rule

MAX_WORD_CHARS = 32
MAX_READING_CHARS = 200
MAX_REQUEST_ENTRIES = 100
MAX_FILE_ENTRIES = 100_000

_SYLLABLE = re.compile(r"^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?[aeiouvü]{1,3}(?:ng|n|r)?[1-5]$")
_LOOKS_TONED = re.compile(r"^[a-zü]+\d$")  # a tone digit out of range is a typo, not an alias
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_COMMENT = re.compile(r"(?:^|\s)#.*$")


class LexiconError(ValueError):
    """A lexicon entry cannot be used; ``line`` is its 1-based line (or entry) number."""

    def __init__(self, message: str, line: int | None = None, source: str = "lexicon") -> None:
        where = f"{source} line {line}: " if line is not None else f"{source}: "
        super().__init__(where + message)
        self.line = line
        self.source = source


@dataclass(frozen=True)
class Entry:
    word: str
    syllables: tuple[str, ...] | None = None  # a pinyin entry
    alias: str | None = None  # an alias entry


def parse_entry(word: str, reading: str) -> Entry:
    """One entry; raises ``ValueError`` with the reason (the caller adds where)."""
    word, reading = word.strip(), " ".join(reading.split())
    if not word or any(ch.isspace() for ch in word):
        raise ValueError("the word must be one token without spaces")
    if len(word) > MAX_WORD_CHARS:
        raise ValueError(f"the word is longer than {MAX_WORD_CHARS} characters")
    if not reading:
        raise ValueError(f"'{word}' has no reading: give pinyin (yin2 hang2) or the text to say")
    if len(reading) > MAX_READING_CHARS:
        raise ValueError(f"the reading of '{word}' is longer than {MAX_READING_CHARS} characters")
    tokens = reading.lower().replace("v", "ü").split()
    if all(_LOOKS_TONED.match(t) for t in tokens):
        bad = [t for t in tokens if not _SYLLABLE.match(t)]
        if bad:
            raise ValueError(f"'{bad[0]}' is not a pinyin syllable with a tone 1–5")
        if not _HAN.match(word):
            raise ValueError(f"pinyin readings are for Chinese words; write an alias for '{word}'")
        if len(tokens) != len(word):
            raise ValueError(f"'{word}' has {len(word)} characters but {len(tokens)} syllables")
        return Entry(word, syllables=tuple(t.replace("ü", "v") for t in tokens))
    if reading == word:
        raise ValueError(f"'{word}' is its own alias")
    return Entry(word, alias=reading)


class UserLexicon:
    """Immutable set of entries; cheap to share between threads and requests."""

    def __init__(self, entries: Mapping[str, Entry] | None = None) -> None:
        self._entries = MappingProxyType(dict(entries or {}))
        aliases = sorted((w for w, e in self._entries.items() if e.alias is not None), key=len, reverse=True)
        self._alias_re = re.compile("|".join(_bounded(w) for w in aliases)) if aliases else None
        self.pinyin: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {w: e.syllables for w, e in self._entries.items() if e.syllables is not None}
        )
        self.longest_pinyin_word = max(map(len, self.pinyin), default=0)

    @classmethod
    def parse(cls, text: str, source: str = "lexicon") -> UserLexicon:
        entries: dict[str, Entry] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _COMMENT.sub("", raw).strip().lstrip("\ufeff")
            if not line:
                continue
            word, _, reading = line.partition(" ") if " " in line else line.partition("\t")
            try:
                entries[word] = parse_entry(word, reading)
            except ValueError as exc:
                raise LexiconError(str(exc), number, source) from None
            if len(entries) > MAX_FILE_ENTRIES:
                raise LexiconError(f"more than {MAX_FILE_ENTRIES} entries", number, source)
        return cls(entries)

    @classmethod
    def load(cls, path: str | Path) -> UserLexicon:
        """Read a lexicon file; a missing or undecodable file is a ``LexiconError`` too."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(f"cannot read the file: {exc}", None, str(path)) from None
        return cls.parse(text, source=str(path))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str], max_entries: int = MAX_REQUEST_ENTRIES) -> UserLexicon:
        """Per-request entries {"word": "pinyin or alias"}; ``line`` in errors is the entry's position."""
        if len(mapping) > max_entries:
            raise LexiconError(f"{len(mapping)} entries, at most {max_entries} are allowed")
        entries: dict[str, Entry] = {}
        for number, (word, reading) in enumerate(mapping.items(), start=1):
            if not isinstance(word, str) or not isinstance(reading, str):
                raise LexiconError("words and readings must be strings", number, "entry")
            try:
                entries[word.strip()] = parse_entry(word, reading)
            except ValueError as exc:
                raise LexiconError(str(exc), number, "entry") from None
        return cls(entries)

    def merged(self, other: UserLexicon | None) -> UserLexicon:
        """These entries with ``other``'s on top (a request's entries override the file's)."""
        if not other:
            return self
        return UserLexicon({**self._entries, **other._entries})

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def get(self, word: str) -> Entry | None:
        return self._entries.get(word)

    def alias_rule(self) -> Rule | None:
        """The normalisation rule that puts every alias in place of its word."""
        if self._alias_re is None:
            return None
        return Rule(self._alias_re, lambda m: self._entries[m.group(0)].alias or m.group(0))

    def segment_pinyin(self, run: str) -> list[tuple[str, bool]]:
        """Split a run of Chinese characters into (text, is_user_word), longest user word first."""
        if not self.pinyin:
            return [(run, False)]
        out: list[tuple[str, bool]] = []
        start = i = 0
        while i < len(run):
            for j in range(min(len(run), i + self.longest_pinyin_word), i, -1):
                if run[i:j] in self.pinyin:
                    if start < i:
                        out.append((run[start:i], False))
                    out.append((run[i:j], True))
                    start = i = j
                    break
            else:
                i += 1
        if start < len(run):
            out.append((run[start:], False))
        return out


def _bounded(word: str) -> str:
    """A Latin word only matches as a whole word: 'CEO' not inside 'CEOs'."""
    left = r"(?<![A-Za-z])" if word[0].isascii() and word[0].isalpha() else ""
    right = r"(?![A-Za-z])" if word[-1].isascii() and word[-1].isalpha() else ""
    return left + re.escape(word) + right
