"""The Baker (Biaobei) phone set of the embedded FastSpeech2 model.

A syllable is an initial plus a toned final ('^' for zero-initial syllables);
syllables are separated by prosodic break labels (#0…#3) and the sequence is
framed by 'sil' and ended by 'eos'. Example for 今天天气很好:
``sil j in1 #0 t ian1 #0 t ian1 #0 q i4 #0 h en3 #0 h ao3 sil eos``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from app.text.g2p import BREAK_NONE, ERHUA, Phrase

log = logging.getLogger(__name__)

# Syllabic nasals (嗯 n, 呣 m, 噷 hm) have no entry in the phone set; the model's
# own data reads 嗯 as 'en'.
_FALLBACK_SYLLABLES = {"n": "en", "ng": "en", "m": "mu", "hm": "hen", "hng": "heng", "ê": "ei", "yo": "you"}


class BakerPhones:
    def __init__(self, mapper_path: Path) -> None:
        mapper = json.loads(mapper_path.read_text(encoding="utf-8"))
        self.symbol_to_id: dict[str, int] = mapper["symbol_to_id"]
        self.syllables: dict[str, tuple[str, str]] = {k: tuple(v) for k, v in mapper["pinyin_dict"].items()}
        self.eos_id = self.symbol_to_id["eos"]

    def _split(self, syllable: str) -> list[str]:
        """'zhi4' → ['zh', 'iii4']; unknown syllables give []."""
        if syllable == ERHUA:
            return ["er5"]
        base, tone = (syllable[:-1], syllable[-1]) if syllable[-1:].isdigit() else (syllable, "5")
        base = base.replace("ü", "v")
        parts = self.syllables.get(base) or self.syllables.get(_FALLBACK_SYLLABLES.get(base, ""))
        if parts is None:
            log.debug("no phones for syllable %r, skipped", syllable)
            return []
        return [parts[0], parts[1] + tone]

    def symbols(self, phrases: list[Phrase]) -> list[str]:
        """Phone symbols for a sentence: sil, phrases joined by their breaks, sil."""
        out = ["sil"]
        for p_index, phrase in enumerate(phrases):
            for s_index, syllable in enumerate(phrase.syllables):
                phones = self._split(syllable)
                if not phones:
                    continue
                # Erhua fuses with the previous syllable: no break label in between.
                if s_index and syllable != ERHUA and out[-1] != "sil":
                    out.append(BREAK_NONE)
                out.extend(phones)
            if p_index < len(phrases) - 1 and out[-1] != "sil" and not out[-1].startswith("#"):
                out.append(phrase.brk)
        if out[-1].startswith("#"):
            out.pop()
        out.append("sil")
        return out

    def ids(self, symbols: list[str]) -> list[int]:
        return [self.symbol_to_id[s] for s in symbols] + [self.eos_id]
