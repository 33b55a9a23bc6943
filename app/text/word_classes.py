"""Word classes from jieba's dictionary: what the words before 地 and 得 are.

The G2P needs facts no phrase list gives: whether the word before a 地 describes
how something is done (耐心地等待, 平稳地停下来: the particle de5) or 地 begins or ends
a noun (贫困地区, 当地: di4), and whether the word before a 得 is a verb or adjective
it completes (跑得快, 长得高: de5) or a pronoun or adverb it follows as "must" (我得走了,
就得说: dei3), and which common words a character stands in (``reading_rules.py``: 种
is not "plant" in 两种花). jieba's dictionary (the ``jieba`` package, MIT) has the word
class and frequency of its 350,000 words; we read its ``dict.txt`` as text, without
importing jieba (which would build a 40 MB prefix dictionary), and keep the words of 1–4
characters (342,000, as hashes with their frequency and class: 5 MB resident), the
two-character words that begin or end with 地 (~400), and the longer words ending in 地
that are places, not manners (目的地: ~740). Reading the file takes ~0.2 s, at start-up
with the rest of the G2P's tables.

When both readings are possible (方便当地: 方便 then 当地; 耐心地: 耐心 then 心地) the
more frequent word wins, as in frequency-based segmentation: 当地 (7,272) over 便当
(294), 耐心 (823) over 心地 (295).
"""

from __future__ import annotations

import functools
import importlib.util
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

# Adjective, adverbial adjective, adjectival noun, adverb, descriptive: words of manner.
_MANNER = frozenset({"a", "ad", "an", "d", "z"})
# And nouns: many are used as adverbs with 地 (热情地, 成功地, 科学地); the checks on the word
# after 地 and on nouns ending in 地 keep the land 地 out (贫困地区, 目的地).
_DESCRIBING = _MANNER | {"n"}
# Verbs and adjectives: what a complement's 得 follows (跑得快, 长得高, 过得好).
COMPLEMENTED = frozenset({"v", "vd", "vg", "vn", "a", "ad", "ag", "an", "z", "zg", "ug"})
# Pronouns and adverbs: what 得 "must" follows (我得走了, 就得说).
MODAL = frozenset({"r", "d"})


def _dictionary_file() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the jieba package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0]) / "dict.txt"


class WordClasses:
    """Words of the classes above (hashes → frequency, class), two-character words with 地, places ending in 地."""

    def __init__(
        self,
        keys: np.ndarray,
        frequencies: np.ndarray,
        tags: np.ndarray,
        tag_names: Sequence[str],
        with_di: Mapping[str, int],
        places: Iterable[str],
    ):
        order = np.argsort(keys)
        self._keys, self._frequencies, self._tags = keys[order], frequencies[order], tags[order]
        self._tag_names = tuple(tag_names)
        self.with_di = dict(with_di)
        self.places = frozenset(places)

    @classmethod
    def load(cls, path: Path | None = None) -> WordClasses:
        # Hashes straight into flat arrays: 170,000 word strings alive at once would leave
        # ~10 MB of Python's small-object heap behind. Python's string hash is salted per
        # process, which is fine: the table is built and queried in the same process.
        keys, frequencies, tags = array("q"), array("i"), array("b")
        tag_ids: dict[str, int] = {}
        with_di: dict[str, int] = {}
        places: set[str] = set()
        with (path or _dictionary_file()).open(encoding="utf-8") as lines:
            for line in lines:
                word, frequency, tag = line.split()
                if len(word) > 4:
                    continue
                keys.append(hash(word))
                frequencies.append(int(frequency))
                tags.append(tag_ids.setdefault(tag, len(tag_ids)))
                if len(word) == 2 and "地" in word:
                    with_di[word] = int(frequency)
                elif word.endswith("地") and tag not in _MANNER:
                    places.add(word)
        return cls(
            np.frombuffer(keys, dtype=np.int64),
            np.frombuffer(frequencies, dtype=np.int32),
            np.frombuffer(tags, dtype=np.int8),
            list(tag_ids),
            with_di,
            places,
        )

    def _find(self, word: str) -> int | None:
        key = hash(word)
        at = int(np.searchsorted(self._keys, key))
        return at if at < len(self._keys) and self._keys[at] == key else None

    def word_class(self, word: str) -> str | None:
        """jieba's class of ``word`` ("v", "a", "r", "m", …), None if jieba lacks it."""
        at = self._find(word)
        return None if at is None else self._tag_names[self._tags[at]]

    def frequency(self, word: str) -> int:
        """How often jieba saw ``word`` (0 if never, or if it is longer than 4 characters)."""
        at = self._find(word)
        return 0 if at is None else int(self._frequencies[at])

    def describing_frequency(self, word: str) -> int:
        """How often jieba saw ``word`` if it is a describing word of 2–4 characters, else 0."""
        return self.frequency(word) if len(word) >= 2 and self.word_class(word) in _DESCRIBING else 0

    def adverbial_di(self, sentence: str, i: int) -> bool:
        """True when the 地 at ``i`` ends a describing word before a verb (耐心地等待)."""
        following = sentence[i + 1 : i + 2]
        if not i or not "\u4e00" <= following <= "\u9fff" or sentence[i : i + 2] in self.with_di:
            return False  # 地 begins or ends the clause, or begins a word (贫困地区)
        if any(sentence[max(0, i - n) : i + 1] in self.places for n in (2, 3)):
            return False  # 目的地
        before = max(self.describing_frequency(sentence[max(0, i - n) : i]) for n in (2, 3, 4))
        return before > self.with_di.get(sentence[i - 1 : i + 1], 0)


@functools.cache
def word_classes() -> WordClasses:
    """The process-wide tables, read on first use."""
    return WordClasses.load()
