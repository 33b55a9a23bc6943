"""Pinyin lexicon: phrase readings for polyphones, single characters from pypinyin.

pypinyin's phrase dictionary (47,000 phrases whose reading differs from the
characters' defaults: 银行 yin2 hang2, 重新 chong2 xin1) costs about 45 MB per
process as the nested lists pypinyin builds from it. Every gunicorn worker holds
a copy, so we read the same data file once into a flat phrase → "yin2 hang2"
map (about 17 MB with its prefix set) and tell pypinyin not to load its own.
Segmentation is pypinyin's rule too: forward maximum matching on the phrases.
"""

from __future__ import annotations

import os

# Must be set before pypinyin is first imported: pypinyin reads it at import time.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

import functools
import re
from pathlib import Path

import pypinyin
from pypinyin.contrib.tone_convert import to_tone3

_PHRASES_FILE = Path(pypinyin.__file__).parent / "phrases_dict.json"
# The file is {"phrase": [["reading", "other reading"], ...], ...}; the first reading is the usual one.
_ENTRY = re.compile(r'"([^"]+)":\s*\[(.*?\])\s*\]', re.S)
_FIRST_READING = re.compile(r'\[\s*"([^"]+)"')


@functools.lru_cache(maxsize=4096)
def tone3(marked: str) -> str:
    """'háng' → 'hang2'; neutral tone → 5; ü written v."""
    return to_tone3(marked, neutral_tone_with_five=True).replace("ü", "v")


class Lexicon:
    def __init__(self, phrases_file: Path = _PHRASES_FILE) -> None:
        text = phrases_file.read_text(encoding="utf-8")
        self._phrases: dict[str, str] = {}
        for entry in _ENTRY.finditer(text):
            readings = [tone3(r) for r in _FIRST_READING.findall(entry.group(2))]
            if len(readings) == len(entry.group(1)):
                self._phrases[entry.group(1)] = " ".join(readings)
        self._prefixes = {phrase[:i] for phrase in self._phrases for i in range(1, len(phrase))}
        self._longest = max(map(len, self._phrases), default=1)

    def __len__(self) -> int:
        return len(self._phrases)

    @property
    def phrases(self) -> dict[str, str]:
        """Phrase → space-separated toned syllables (read-only by convention)."""
        return self._phrases

    def segment(self, run: str) -> list[str]:
        """Split a run of Chinese characters into dictionary phrases and single characters."""
        words: list[str] = []
        i = 0
        while i < len(run):
            best = 1
            for j in range(i + 2, min(len(run), i + self._longest) + 1):
                candidate = run[i:j]
                if candidate in self._phrases:
                    best = j - i
                elif candidate not in self._prefixes:
                    break
            words.append(run[i : i + best])
            i += best
        return words

    def read(self, word: str) -> list[str]:
        """One toned syllable per character ('' for a character without a reading)."""
        phrase = self._phrases.get(word)
        if phrase is not None:
            return phrase.split(" ")
        return [_read_character(ch) for ch in word]


@functools.lru_cache(maxsize=8192)
def _read_character(ch: str) -> str:
    reading = pypinyin.lazy_pinyin(
        ch, style=pypinyin.Style.TONE3, neutral_tone_with_five=True, errors=lambda s: [""] * len(s)
    )
    return (reading[0] if reading else "").replace("ü", "v")


@functools.cache
def lexicon() -> Lexicon:
    """The process-wide lexicon, loaded on first use."""
    return Lexicon()
