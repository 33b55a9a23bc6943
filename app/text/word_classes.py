"""Which words are adjectives or adverbs, and which words hold 地, from jieba's dictionary.

The G2P needs one fact no phrase list gives: whether the word before a 地 describes
how something is done (耐心地等待, 平稳地停下来: the particle de5) or 地 begins or ends
a noun (贫困地区, 当地: di4). jieba's dictionary (the ``jieba`` package, MIT) has the
word class and frequency of its 350,000 words; we read its ``dict.txt`` as text,
without importing jieba (which would build a 40 MB prefix dictionary), and keep the
adjectives and adverbs of 2–4 characters (tags a, ad, d, z: ~9,000 words) and the
two-character words that begin or end with 地 (~400), with their frequencies.

When both readings are possible (方便当地: 方便 then 当地; 耐心地: 耐心 then 心地) the
more frequent word wins, as in frequency-based segmentation: 当地 (7,272) over 便当
(294), 耐心 (823) over 心地 (295).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_DESCRIBING = frozenset({"a", "ad", "d", "z"})  # adjective, adverbial adjective, adverb, descriptive


def _dictionary_file() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the jieba package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0]) / "dict.txt"


@dataclass(frozen=True)
class WordClasses:
    describing: Mapping[str, int]  # adjectives and adverbs of 2–4 characters → frequency
    with_di: Mapping[str, int]  # two-character words beginning or ending with 地 → frequency

    @classmethod
    def load(cls, path: Path | None = None) -> WordClasses:
        describing: dict[str, int] = {}
        with_di: dict[str, int] = {}
        with (path or _dictionary_file()).open(encoding="utf-8") as lines:
            for line in lines:
                word, frequency, tag = line.split()
                if len(word) == 2 and "地" in word:
                    with_di[word] = int(frequency)
                elif tag in _DESCRIBING and 2 <= len(word) <= 4 and not word.endswith("地"):
                    describing[word] = int(frequency)
        return cls(describing, with_di)

    def adverbial_di(self, sentence: str, i: int) -> bool:
        """True when the 地 at ``i`` ends an adjective or adverb before a verb (耐心地等待)."""
        following = sentence[i + 1 : i + 2]
        if not "\u4e00" <= following <= "\u9fff" or sentence[i : i + 2] in self.with_di:
            return False  # 地 ends the clause, or begins a word (贫困地区)
        before = max((self.describing.get(sentence[max(0, i - n) : i], 0) for n in (2, 3, 4)), default=0)
        return before > self.with_di.get(sentence[i - 1 : i + 1], 0) if i else False


@functools.cache
def word_classes() -> WordClasses:
    """The process-wide tables, read on first use (~0.2 s)."""
    return WordClasses.load()
