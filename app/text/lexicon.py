"""Pinyin lexicon: phrase readings for polyphones, single characters from pypinyin.

pypinyin's phrase dictionary (47,000 phrases whose reading differs from the
characters' defaults: 银行 yin2 hang2, 重新 chong2 xin1) costs about 45 MB per
process as the nested lists pypinyin builds from it, and still 14 MB as a
Python dict of strings with a prefix set. Every gunicorn worker holds a copy,
so we read the same data file once into a sorted array of the phrases' 64-bit
hashes and one byte string of their readings (2.2 MB resident), and tell pypinyin
not to load its own. Python's string hash is salted per process, which is fine:
the table is built and queried in the same process. Segmentation is maximum
matching on the phrases, forward and backward, keeping the split with fewer words
(ties: fewer single characters, then backward); all the candidate spans of a run are
looked up at once. pypinyin matches forward only, which reads 把头发 as 把头 (a
foreman) | 发. On the polyphones the choice hardly shows: 5-fold CV on CPP dev
98.20 % both ways against 98.22 % forward only (two sentences of 9,893), and
97.79 % either way on g2pL (fitting its layer on four fifths, scoring the rest).
Phrases in ``phrase_corrections.txt`` replace pypinyin's readings or are added.
"""

from __future__ import annotations

import os

# Must be set before pypinyin is first imported: pypinyin reads them at import time.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")  # we never add to pypinyin's dictionaries

import functools
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pypinyin
from pypinyin.contrib.tone_convert import to_tone3

from app.text.neutral_tone import NEUTRAL_TONE_WORDS
from app.text.user_lexicon import UserLexicon

_PHRASES_FILE = Path(pypinyin.__file__).parent / "phrases_dict.json"
CORRECTIONS_FILE = Path(__file__).with_name("phrase_corrections.txt")
# The file is {"phrase": [["reading", "other reading"], ...], ...}; the first reading is the usual one.
_ENTRY = re.compile(r'"([^"]+)":\s*\[(.*?\])\s*\]', re.S)
_FIRST_READING = re.compile(r'\[\s*"([^"]+)"')


@functools.lru_cache(maxsize=4096)
def tone3(marked: str) -> str:
    """'háng' → 'hang2'; neutral tone → 5; ü written v."""
    return to_tone3(marked, neutral_tone_with_five=True).replace("ü", "v")


@functools.cache
def corrections() -> Mapping[str, tuple[str, ...]]:
    """Phrase → toned syllables, for the phrases the shipped dictionaries read wrongly."""
    return UserLexicon.load(CORRECTIONS_FILE).pinyin


class Lexicon:
    def __init__(
        self,
        phrases_file: Path = _PHRASES_FILE,
        fixed: Mapping[str, Sequence[str]] | None = None,
        words: Iterable[str] = (),
    ) -> None:
        """The phrases of ``phrases_file``, with ``fixed`` readings replacing theirs or added.

        ``words`` are added where neither has them, read as their characters alone are: the
        file lists only phrases read otherwise, so the segmentation would not know 眼睛 or 胡子.
        """
        # Built entry by entry into flat buffers: 47,000 phrase and reading strings alive at once
        # would leave ~7 MB of Python's small-object heap behind, pinned by whatever outlives them.
        keys, ends, text = array("q"), array("q"), bytearray()
        reach = bytearray(0x30000)  # the longest phrase each code point starts: the spans worth looking up
        fixed = fixed or {}
        added = {w for w in words if w not in fixed}

        def entries() -> Iterator[tuple[str, list[str]]]:
            for e in _ENTRY.finditer(phrases_file.read_text(encoding="utf-8")):
                phrase = e.group(1)
                added.discard(phrase)  # the file's reading stands
                if phrase not in fixed:
                    yield phrase, [tone3(r) for r in _FIRST_READING.findall(e.group(2))]
            yield from ((p, list(r)) for p, r in fixed.items())
            yield from ((w, [_read_character(ch) for ch in w]) for w in sorted(added))  # what neither lists

        for phrase, readings in entries():
            if len(readings) == len(phrase) and ord(phrase[0]) < len(reach):
                keys.append(hash(phrase))
                text += " ".join(readings).encode()
                ends.append(len(text))
                reach[ord(phrase[0])] = max(reach[ord(phrase[0])], len(phrase))
        tone3.cache_clear()  # its entries too would pin the heap pages the file was parsed in
        self._reach = bytes(reach)
        # The keys sorted for lookups; each still points at its reading in the file's order.
        unsorted_ends = np.frombuffer(ends, dtype=np.int64)
        order = np.argsort(np.frombuffer(keys, dtype=np.int64), kind="stable")
        self._keys = np.frombuffer(keys, dtype=np.int64)[order]
        self._starts = np.concatenate([[0], unsorted_ends[:-1]])[order]
        self._ends = unsorted_ends[order]
        self._text = bytes(text)

    def __len__(self) -> int:
        return len(self._keys)

    def readings(self, phrases: Sequence[str]) -> list[str | None]:
        """The space-separated toned syllables of each phrase (None where it is not in the lexicon)."""
        if not phrases or not len(self._keys):
            return [None] * len(phrases)
        keys = np.fromiter((hash(p) for p in phrases), dtype=np.int64, count=len(phrases))
        at = np.searchsorted(self._keys, keys).clip(max=len(self._keys) - 1)
        out: list[str | None] = [None] * len(phrases)
        for k in np.flatnonzero(self._keys[at] == keys).tolist():
            j = int(at[k])
            out[k] = self._text[self._starts[j] : self._ends[j]].decode()
        return out

    def reading(self, phrase: str) -> str | None:
        return self.readings([phrase])[0]

    def words(self, run: str) -> list[tuple[str, list[str]]]:
        """A run of Chinese characters split into dictionary phrases and single characters, each
        with one toned syllable per character ('' for a character without a reading).

        Maximum matching both ways; the split with fewer words wins, then the one with fewer
        single characters, then the backward one, which goes wrong less often in Chinese:
        把头发 is 把|头发 backward, 把头|发 (把头 a foreman) forward.
        """
        reach = self._reach
        starts = [min(len(run) - i, reach[c] if c < len(reach) else 0) for i, c in enumerate(map(ord, run))]
        spans = [(i, i + n) for i, longest in enumerate(starts) for n in range(2, longest + 1)]
        phrases = {
            span: known
            for span, known in zip(spans, self.readings([run[i:j] for i, j in spans]), strict=True)
            if known is not None
        }
        longest = max((j - i for i, j in phrases), default=1)
        forward = _longest_first(len(run), phrases, longest, backward=False)
        backward = _longest_first(len(run), phrases, longest, backward=True)
        best = min(backward, forward, key=lambda cuts: (len(cuts), sum(j - i == 1 for i, j in cuts)))
        return [(run[i:j], phrases[i, j].split(" ") if j - i > 1 else [_read_character(run[i])]) for i, j in best]

    def segment(self, run: str) -> list[str]:
        """Split a run of Chinese characters into dictionary phrases and single characters."""
        return [word for word, _ in self.words(run)]

    def read(self, word: str) -> list[str]:
        """One toned syllable per character ('' for a character without a reading)."""
        phrase = self.reading(word)
        if phrase is not None:
            return phrase.split(" ")
        return [_read_character(ch) for ch in word]


def _longest_first(
    n: int, phrases: Mapping[tuple[int, int], str], longest: int, backward: bool
) -> list[tuple[int, int]]:
    """Spans of a run of ``n`` characters, each the longest of ``phrases`` (start, end; none longer
    than ``longest``) from where the last one ended, going forward or backward; characters no
    phrase covers stand alone."""
    cuts: list[tuple[int, int]] = []
    if backward:
        j = n
        while j > 0:
            i = min((a for a in range(max(0, j - longest), j - 1) if (a, j) in phrases), default=j - 1)
            cuts.append((i, j))
            j = i
        return cuts[::-1]
    i = 0
    while i < n:
        j = max((b for b in range(i + 2, min(n, i + longest) + 1) if (i, b) in phrases), default=i + 1)
        cuts.append((i, j))
        i = j
    return cuts


@functools.lru_cache(maxsize=8192)
def _read_character(ch: str) -> str:
    reading = pypinyin.lazy_pinyin(
        ch, style=pypinyin.Style.TONE3, neutral_tone_with_five=True, errors=lambda s: [""] * len(s)
    )
    return (reading[0] if reading else "").replace("ü", "v")


@functools.lru_cache(maxsize=4096)
def character_readings(ch: str) -> frozenset[str]:
    """Every reading pypinyin's character dictionary gives ``ch`` (参: can1, cen1, shen1)."""
    readings = pypinyin.pinyin(ch, style=pypinyin.Style.TONE3, heteronym=True, neutral_tone_with_five=True)
    return frozenset(r.replace("ü", "v") for r in readings[0]) if readings else frozenset()


@functools.cache
def lexicon() -> Lexicon:
    """The process-wide lexicon (pypinyin's phrases, our corrections, the neutral-tone words), loaded on first use."""
    return Lexicon(fixed=corrections(), words=NEUTRAL_TONE_WORDS)
