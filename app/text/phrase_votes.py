"""What dictionaries say a polyphonic character reads inside the phrases around it.

The neural model (``polyphones.py``) is right 97.4 % of the time on CPP's dev set;
it is sometimes confidently wrong on ordinary words (划船 hua4, 牌子 zi3) that any
dictionary gets right. So every phrase of 2–4 characters that covers a polyphonic
character casts a vote for the reading it gives that character, and the G2P adds
the votes to the model's log-probabilities. Three phrase dictionaries vote:
pypinyin's own (already loaded by ``lexicon.py``), CC-CEDICT and the 汉典 词典
(``zdic_cibs``) as shipped by the ``pypinyin-dict`` wheel (MIT; CC-CEDICT data is
CC BY-SA 4.0). Weights and the probability floor were tuned on CPP's dev set.
A phrase in ``phrase_corrections.txt`` (还款 huan2 kuan3, which pypinyin and 汉典
both read hai2) votes for its corrected reading in every dictionary, whether the
dictionary lists it or not (应还金额), and where it stands as a word of the sentence its
reading is the only one any dictionary votes for at that character: the shorter phrases
inside it would otherwise split the votes (为人民 wei4, but 为人 wei2).

The wheel's data is Python source that costs ~250 MB and 10 s to import, so we
read the files as text, keep only phrases around polyphonic characters, and
store them as one sorted array of 64-bit hashes of (phrase, position) with the
reading's index: ~170k entries, a few MB, looked up for a whole sentence with one
``searchsorted``. Python's string hash is salted per process, which is fine: the
table is built and queried in the same process.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from array import array
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.text.lexicon import Lexicon, corrections, tone3

# (wheel module prefix, vote weight); pypinyin's phrases vote with PYPINYIN_WEIGHT.
SOURCES = (("cc_cedict", 4.0), ("zdic_cibs", 3.0))
PYPINYIN_WEIGHT = 2.0
# Phrases longer than 4 characters changed no answer on CPP's dev set and cost 3× the lookups.
MIN_PHRASE, MAX_PHRASE = 2, 4
CROSSING_FACTOR = 0.5

_ENTRY = re.compile(r"^\s*'([^']+)': \[(.*)\],?$", re.M)
_FIRST = re.compile(r"\[\s*'([^']*)'")


def _data_dir() -> Path:
    spec = importlib.util.find_spec("pypinyin_dict")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pypinyin-dict package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0]) / "phrase_pinyin_data"


def _entries(prefix: str, wanted: frozenset[str]) -> Iterable[tuple[str, list[str]]]:
    """(phrase, marked readings) of phrases holding a ``wanted`` character, from the wheel's files.

    The files are read as text one at a time (importing them would cost ~250 MB).
    """
    for path in sorted(_data_dir().glob(f"{prefix}_*.py")):
        for m in _ENTRY.finditer(path.read_text(encoding="utf-8")):
            phrase = m.group(1)
            if wanted.isdisjoint(phrase) or not MIN_PHRASE <= len(phrase) <= MAX_PHRASE:
                continue
            readings = _FIRST.findall(m.group(2))
            if len(readings) == len(phrase):
                yield phrase, readings


@dataclass(frozen=True)
class Vote:
    reading: str
    weight: float


class PhraseVotes:
    def __init__(self, polyphones: frozenset[str], pypinyin_phrases: Lexicon) -> None:
        self._pypinyin = pypinyin_phrases
        self.readings: list[str] = []
        reading_ids: dict[str, int] = {}
        # array, not list: no Python int object per entry lingers in the heap after loading.
        keys = array("q")
        values = array("i")  # reading id * 8 + source index
        # A corrected phrase votes for its corrected reading in every dictionary, listed there or not.
        fixed = {p: r for p, r in corrections().items() if MIN_PHRASE <= len(p) <= MAX_PHRASE}
        # (phrase, position) → (phrase length, corrected reading), for the corrections' own say;
        # these may be longer than MAX_PHRASE (为人民服务).
        self._corrected = {
            hash((p, k)): (len(p), r[k])
            for p, r in corrections().items()
            if len(p) >= MIN_PHRASE
            for k, ch in enumerate(p)
            if ch in polyphones
        }
        self._longest = max((length for length, _ in self._corrected.values()), default=0)
        for source, (prefix, _) in enumerate(SOURCES):
            listed = ((p, marked, False) for p, marked in _entries(prefix, polyphones) if p not in fixed)
            for phrase, syllables, toned in itertools.chain(listed, ((p, r, True) for p, r in fixed.items())):
                for pos, ch in enumerate(phrase):
                    if ch not in polyphones:
                        continue
                    reading = syllables[pos] if toned else tone3(syllables[pos])
                    rid = reading_ids.setdefault(reading, len(reading_ids))
                    keys.append(hash((phrase, pos)))
                    values.append(rid * 8 + source)
        self.readings = sorted(reading_ids, key=reading_ids.__getitem__)
        key_array = np.frombuffer(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        self._keys = key_array[order]
        self._values = np.frombuffer(values, dtype=np.int32)[order]

    def __len__(self) -> int:
        return len(self._keys)

    def votes(self, sentence: str, positions: list[int], boundaries: AbstractSet[int]) -> dict[int, list[Vote]]:
        """Votes for the reading of each polyphonic character at ``positions``.

        ``boundaries`` are the word boundaries of the sentence's segmentation: a phrase that
        cuts across a word (行行 in 银行|行长) counts half, as it is less likely what is meant.
        """
        out: dict[int, list[Vote]] = {i: [] for i in positions}
        queries: list[tuple[int, int, float]] = []  # (position, key, factor)
        # (position, source) → reading → factor; source -1 is pypinyin's phrases.
        found: dict[tuple[int, int], dict[str, float]] = {}
        n = len(sentence)
        spans: list[tuple[int, int, float]] = []  # (position, start, factor) of each phrase
        phrases: list[str] = []
        for i in positions:
            for a in range(max(0, i - MAX_PHRASE + 1), i + 1):
                for b in range(max(i + 1, a + MIN_PHRASE), min(n, a + MAX_PHRASE) + 1):
                    phrase = sentence[a:b]
                    factor = 1.0 if a in boundaries and b in boundaries else CROSSING_FACTOR
                    spans.append((i, a, factor))
                    phrases.append(phrase)
                    queries.append((i, hash((phrase, i - a)), factor))
        for (i, a, factor), known in zip(spans, self._pypinyin.readings(phrases), strict=True):
            if known is not None:
                _note(found, (i, -1), known.split(" ")[i - a], factor)
        if queries:
            keys = np.array([k for _, k, _ in queries], dtype=np.int64)
            at = np.searchsorted(self._keys, keys).clip(max=len(self._keys) - 1)
            for q in np.flatnonzero(self._keys[at] == keys).tolist():
                i, key, factor = queries[q]
                j = int(at[q])
                while j < len(self._keys) and self._keys[j] == key:  # one entry per dictionary
                    value = int(self._values[j])
                    _note(found, (i, value % 8), self.readings[value // 8], factor)
                    j += 1
        for i, reading in self.corrected(sentence, positions, boundaries).items():
            for source in range(-1, len(SOURCES)):
                found[i, source] = {reading: 1.0}
        # Each dictionary splits its weight over the distinct readings its phrases give.
        for (i, source), readings in found.items():
            weight = PYPINYIN_WEIGHT if source < 0 else SOURCES[source][1]
            out[i].extend(Vote(r, weight / len(readings) * f) for r, f in readings.items())
        return out

    def corrected(self, sentence: str, positions: list[int], boundaries: AbstractSet[int]) -> dict[int, str]:
        """Position → the reading the longest corrected phrase that is a word of the sentence there
        gives it (为人民服务 wei4, though 为人 is wei2)."""
        found: dict[int, tuple[int, str]] = {}
        for i in positions:
            for a in range(max(0, i - self._longest + 1), i + 1):
                if a not in boundaries:
                    continue
                for b in range(max(i + 1, a + MIN_PHRASE), min(len(sentence), a + self._longest) + 1):
                    fix = self._corrected.get(hash((sentence[a:b], i - a))) if b in boundaries else None
                    if fix:
                        found[i] = max(found.get(i, (0, "")), fix)
        return {i: reading for i, (_, reading) in found.items()}


def _note(found: dict[tuple[int, int], dict[str, float]], key: tuple[int, int], reading: str, factor: float) -> None:
    readings = found.setdefault(key, {})
    readings[reading] = max(readings.get(reading, 0.0), factor)
