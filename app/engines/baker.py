"""The Baker (Biaobei) phone set of the embedded FastSpeech2 model.

A syllable is an initial plus a toned final ('^' for zero-initial syllables);
syllables are separated by prosodic break labels (#0…#3) and the sequence is
framed by 'sil' and ended by 'eos'. Example for 今天天气很好:
``sil j in1 #0 t ian1 #0 t ian1 #0 q i4 #0 h en3 #0 h ao3 sil eos``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from app.text.g2p import BREAK_NONE, ERHUA, Phrase
from app.text.ssml import is_break_placeholder

log = logging.getLogger(__name__)

# Punctuation the front-end reads as a prosodic break (#2, #3).
_PAUSE_PUNCTUATION = frozenset("，,：:；;。！？!?…—-、")

# Syllabic nasals (嗯 n, 呣 m, 噷 hm) have no entry in the phone set; the model's
# own data reads 嗯 as 'en'.
_FALLBACK_SYLLABLES = {"n": "en", "ng": "en", "m": "mu", "hm": "hen", "hng": "heng", "ê": "ei", "yo": "you"}


@dataclass(frozen=True)
class Token:
    """One model input symbol and what it stands for (to attribute the model's frames)."""

    symbol: str
    kind: str  # "sil" | "break" | "initial" | "final" | "eos"
    syllable: int | None = None  # running syllable number within the sentence
    source: int | None = None  # text index of the syllable's unit (or of the mark that made a break)
    end: int | None = None  # end of the syllable's unit in the text


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

    def tokens(self, phrases: list[Phrase], text: str = "") -> list[Token]:
        """Input symbols for a sentence with their owners: sil, phrases joined by their breaks, sil, eos.
        ``text`` (what the phrases were read from) names the mark that made each break."""
        out = [Token("sil", "sil")]
        number = -1
        for p_index, phrase in enumerate(phrases):
            sources = phrase.sources or ((None, None),) * len(phrase.syllables)
            for s_index, (syllable, (source, end)) in enumerate(zip(phrase.syllables, sources, strict=True)):
                phones = self._split(syllable)
                if not phones:
                    continue
                # Erhua fuses with the previous syllable: no break label in between.
                if s_index and syllable != ERHUA and out[-1].symbol != "sil":
                    out.append(Token(BREAK_NONE, "break"))
                number += 1
                if len(phones) == 1:  # er5: a final on its own
                    out.append(Token(phones[0], "final", number, source, end))
                else:
                    out.append(Token(phones[0], "initial", number, source, end))
                    out.append(Token(phones[1], "final", number, source, end))
            last = out[-1].symbol
            if p_index < len(phrases) - 1 and last != "sil" and not last.startswith("#"):
                out.append(Token(phrase.brk, "break", None, _break_mark(text, phrase, phrases[p_index + 1])))
        if out[-1].symbol.startswith("#"):
            out.pop()
        out.append(Token("sil", "sil"))
        out.append(Token("eos", "eos"))
        return out

    def symbols(self, phrases: list[Phrase]) -> list[str]:
        """Phone symbols for a sentence: sil, phrases joined by their breaks, sil."""
        return [t.symbol for t in self.tokens(phrases)[:-1]]

    def ids(self, symbols: list[str]) -> list[int]:
        return [self.symbol_to_id[s] for s in symbols] + [self.eos_id]


def _break_mark(text: str, phrase: Phrase, following: Phrase) -> int | None:
    """Index of what made the break between two phrases: an SSML <break> placeholder if there is
    one between them, else the last punctuation mark there."""
    if not (text and phrase.sources and following.sources):
        return None
    gap = range(phrase.sources[-1][1], following.sources[0][0])
    marks = [i for i in gap if is_break_placeholder(text[i])] or [i for i in gap if text[i] in _PAUSE_PUNCTUATION]
    return marks[0] if marks and is_break_placeholder(text[marks[0]]) else (marks[-1] if marks else None)
