"""Mandarin tone sandhi on syllables written as 'pinyin + tone digit' (e.g. 'ni3').

The acoustic model was trained on surface tones (卡尔普 labelled ka2 er2 pu3), so
the front-end must apply the changes a speaker makes: third-tone sandhi, and
the tone of 一 and 不 depending on what follows.
"""

from __future__ import annotations

_NUMERALS = set("零〇一二两三四五六七八九十百千万亿幺")
_DIGIT_CHARS = set("零〇一二三四五六七八九幺壹")
_BIG_UNITS = set("百千万亿")


def _tone(syllable: str) -> str:
    return syllable[-1] if syllable[-1:].isdigit() else "5"


def _with_tone(syllable: str, tone: str) -> str:
    return (syllable[:-1] if syllable[-1:].isdigit() else syllable) + tone


def apply_sandhi(words: list[tuple[str, list[str]]]) -> list[list[str]]:
    """Apply tone sandhi to one prosodic phrase.

    ``words`` is a list of (characters, syllables) pairs in reading order, with
    one syllable per character. Returns the syllables with surface tones.
    """
    chars = [c for word, _ in words for c in word]
    sylls = [s for _, syl in words for s in syl]
    # Indices of the first and last syllable of each word, to see word boundaries.
    word_start: set[int] = set()
    word_end: set[int] = set()
    pos = 0
    for word, _ in words:
        word_start.add(pos)
        pos += len(word)
        word_end.add(pos - 1)

    _yi_bu(chars, sylls, word_start, word_end)
    _third_tone(sylls, word_end)
    return _regroup(words, sylls)


def _yi_bu(chars: list[str], sylls: list[str], word_start: set[int], word_end: set[int]) -> None:
    n = len(chars)
    for i, ch in enumerate(chars):
        if ch not in "一不" or _tone(sylls[i]) == "5":
            continue  # a neutral tone comes from the phrase dictionary (差不多): keep it
        prev = chars[i - 1] if i else ""
        nxt = chars[i + 1] if i + 1 < n else ""
        if nxt and prev == nxt and prev not in _NUMERALS:
            # Reduplication: 看一看, 好不好 → neutral tone.
            sylls[i] = _with_tone(sylls[i], "5")
            continue
        if ch == "一":
            # Counting, ordinals and word-final 一 keep the first tone: 一二三, 第一, 十一, 统一.
            ends_word = i in word_end and i not in word_start
            counting = nxt in _DIGIT_CHARS or nxt == "十" or (prev in _NUMERALS and nxt not in _BIG_UNITS)
            # …but before 百千万亿 it is the number one (一万一千: 万一 is not "in case" here).
            if nxt not in _BIG_UNITS and (not nxt or counting or prev == "第" or ends_word):
                sylls[i] = _with_tone(sylls[i], "1")
                continue
            if _tone(sylls[i]) != "1":
                continue  # the dictionary already knows better (一会儿 yi2 hui4 er5 …)
        elif not nxt:
            continue
        following = _tone(sylls[i + 1])
        if following == "4":
            sylls[i] = _with_tone(sylls[i], "2")
        elif (ch == "一" and following in "123") or (ch == "不" and following != "5"):
            sylls[i] = _with_tone(sylls[i], "4")


def _third_tone(sylls: list[str], word_end: set[int]) -> None:
    """3-3 → 2-3, first inside words (展览馆 → zhan2 lan2 guan3), then across them.

    Working inside words first gives 老保管 lao3 bao2 guan3 and 保管好
    bao2 guan2 hao3, the readings textbooks give.
    """
    n = len(sylls)
    for i in range(n - 1):
        if i not in word_end and _tone(sylls[i]) == "3" and _tone(sylls[i + 1]) == "3":
            sylls[i] = _with_tone(sylls[i], "2")
    for i in range(n - 1):
        if i in word_end and _tone(sylls[i]) == "3" and _tone(sylls[i + 1]) == "3":
            sylls[i] = _with_tone(sylls[i], "2")


def _regroup(words: list[tuple[str, list[str]]], sylls: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    pos = 0
    for word, _ in words:
        out.append(sylls[pos : pos + len(word)])
        pos += len(word)
    return out
