"""Text normalisation: turn digits, symbols and units into the words a reader says.

The output holds only Chinese characters, Latin letters (spelled later by the
G2P), whitespace and punctuation. Rules run in order, each over the whole text:
symbols NFKC would spoil, NFKC, then digits that are not quantities (codes,
telephone numbers, names: ``contexts.py``), then dates, times, money, percentages,
ranges, units and, last, plain numbers. Specific patterns come before generic ones.

``normalize_with_offsets`` returns the same text as chunks that say which span
of the original input each piece stands for (see ``offsets.py``);
``normalize(text) == "".join(c.spoken for c in normalize_with_offsets(text))``
exactly: runs of spaces and tabs become one space inside the chunks, and leading
and trailing whitespace is dropped (those characters appear in no chunk).
"""

from __future__ import annotations

import re

from app.text import contexts
from app.text.numbers import (
    read_cardinal,
    read_cardinal_liang,
    read_decimal,
    read_digits,
    read_money_yuan,
)
from app.text.offsets import Chunk, Rewriter, Rule
from app.text.units import (
    BIG_UNITS,
    CURRENCY_PREFIX,
    MATH_SIGNS,
    PRE_NFKC,
    PRE_NFKC_RE,
    SYMBOLS,
    TEMPERATURE_UNITS,
    UNIT_RE,
    UNITS,
    takes_liang,
)
from app.text.user_lexicon import UserLexicon

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
# After these a number labels something (1号, 1楼, 1路): 1 is yi1 whatever follows.
_ORDINAL_AFTER = (*"号楼路班室栋幢期届季集章节页版", "年级", "号线")
_SCORE_WORDS = re.compile(r"(比分|比赛|战胜|击败|打败|赢|输|负于|胜|以|战平|大比分|总比分)\s*$")
_SCORE_AFTER = re.compile(r"\s*(获胜|取胜|战胜|击败|打败|赢|输|胜|负|落败|告负|领先|落后|战平|逆转|拿下)")


def _is_score(m: re.Match[str]) -> bool:
    before = m.string[max(0, m.start() - 4) : m.start()]
    return bool(_SCORE_WORDS.search(before) or _SCORE_AFTER.match(m.string, m.end()))


def _one(text: str) -> str:
    """A bare 1 read as a number keeps tone 1 (壹) where the 一 of 一点 would change tone."""
    return "壹" if text == "一" else text


def _date(m: re.Match[str]) -> str:
    year, month, day = m.group("y"), m.group("m"), m.group("d")
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return m.group(0)  # not a date: left to the generic rules
    return f"{read_digits(year)}年{_one(read_cardinal(month))}月{_one(read_cardinal(day))}日"


def _year(m: re.Match[str]) -> str:
    # 1000–2199 before 年 is a calendar year (二零二四年); 5000年 is a duration.
    year = m.group("y")
    return read_digits(year) if len(year) == 2 or 1000 <= int(year) <= 2199 else read_cardinal(year)


def _clock(m: re.Match[str]) -> str:
    hour, minute, second = m.group("h"), m.group("min"), m.group("s")
    if int(hour) > 24 or int(minute) > 59 or (second and int(second) > 59) or _is_score(m):
        parts = [hour, minute] + ([second] if second else [])
        return "比".join(read_cardinal(p) for p in parts)  # a score or ratio: 3:15 → 三比十五
    text = _one(read_cardinal_liang(hour)) + "点"
    if int(minute) or second:
        text += ("零" if minute.startswith("0") and int(minute) else "") + read_cardinal(minute) + "分"
    if second:
        text += read_cardinal(second) + "秒"
    return text


def _time_range(m: re.Match[str]) -> str:
    return _clock(_CLOCK.match(m.group("a"))) + "到" + _clock(_CLOCK.match(m.group("b")))


def _number_word(number: str) -> str:
    """A number inside an expression or range: decimals and negatives as written."""
    if "." in number or number.startswith("-"):
        return read_decimal(number)
    return read_cardinal(number.replace(",", ""))


def _expression(m: re.Match[str]) -> str:
    out: list[str] = []
    previous = "="  # a minus at the start or right after a sign is the sign of a number: 负
    for token in re.findall(rf"{_NUM}|[-+×*÷/=]", m.group(0)):
        if token == "-" and previous in MATH_SIGNS:
            out.append("负")
        else:
            out.append(MATH_SIGNS[token] if token in MATH_SIGNS else _one(_number_word(token)))
        previous = token
    return "".join(out)


def _money_code(m: re.Match[str]) -> str:
    code, number = m.group("c").upper(), m.group("n")
    if code in ("RMB", "CNY"):
        return read_money_yuan(number)
    return read_decimal(number) + {"USD": "美元", "HKD": "港元", "EUR": "欧元"}[code]


def _yuan(m: re.Match[str]) -> str:
    number = m.group("n")
    if m.group("big"):  # ¥1.2万 → 一点二万元
        return _one(read_decimal(number)) + m.group("big") + "元"
    return read_money_yuan(number)


def _currency(m: re.Match[str]) -> str:
    number = m.group("n")
    read = read_cardinal_liang(number.replace(",", "")) if "." not in number else read_decimal(number)
    return read + (m.group("big") or "") + CURRENCY_PREFIX[m.group("c")]


def _percent_word(number: str, sign: str) -> str:
    prefix = "千分之" if sign == "‰" else "百分之"
    if number == "100" and sign == "%":
        return "百分之百"
    if number.startswith("-"):
        return "负" + prefix + read_decimal(number[1:])
    return prefix + read_decimal(number)


def _percent_range(m: re.Match[str]) -> str:
    sign = m.group("p2")
    first = _percent_word(m.group("a"), m.group("p1") or sign)
    second = _percent_word(m.group("b"), sign) if m.group("p1") else read_decimal(m.group("b"))
    return first + "到" + second


def _version(m: re.Match[str]) -> str:
    """Versions read each part as a number: 3.11 三点十一, 2.0.1 二点零点一."""
    return "点".join(_one(read_cardinal(part)) for part in m.group("v").split("."))


def _unit_word(unit: str | None) -> str:
    return UNITS[unit] if unit else ""


def _amount(number: str, following: str) -> str:
    """A number before a unit or a measure word: 两 for a leading 2."""
    if "." in number or number.startswith("-"):
        return _one(read_decimal(number))
    plain = number.replace(",", "")
    return (
        read_cardinal_liang(plain) if takes_liang(following) or following[:1] in "公千米克升" else read_cardinal(plain)
    )


def _signed(number: str, unit: str) -> str:
    """-5℃ is 零下五摄氏度; other negatives are 负."""
    if number.startswith("-") and UNITS.get(unit, unit) in TEMPERATURE_UNITS:
        return "零下" + _amount(number[1:], UNITS.get(unit, unit))
    return _amount(number, UNITS.get(unit, unit))


def _range(m: re.Match[str]) -> str:
    a, b, unit = m.group("a"), m.group("b"), m.group("u") or m.group("u1")
    if (
        "." not in a + b
        and "-" not in a + b
        and not unit
        and (int(a.replace(",", "")) > int(b.replace(",", "")) or _is_score(m))
    ):
        return f"{read_cardinal(a)}比{read_cardinal(b)}"  # 以3-2获胜: a score, not a range
    following = _unit_word(unit) or m.string[m.end() : m.end() + 2]
    first = _signed(a, unit or "") if m.group("u1") else _signed(a, m.group("u") or "")
    second = _signed(b, unit or "") if unit else _amount(b, following)
    if not unit and takes_liang(following):
        first = _amount(a, following)
    joint = "至" if m.group("sep") == "至" else "到"  # 3至5年 keeps the writer's word
    return first + _unit_word(m.group("u1")) + joint + second + _unit_word(m.group("u"))


def _with_unit(m: re.Match[str]) -> str:
    return _signed(m.group("n"), m.group("u")) + UNITS[m.group("u")]


def _number(m: re.Match[str]) -> str:
    number = m.group(0)
    if "." in number:
        return _one(read_decimal(number))
    plain = number.replace(",", "")
    if (plain.startswith("0") and len(plain) > 1) or len(plain) > 16:
        return read_digits(plain)
    following = m.string[m.end() : m.end() + 2]
    before = m.string[m.start() - 1 : m.start()] if m.start() else ""
    if before.isascii() and before.isalpha():
        return _one(read_cardinal(plain))  # B2层, A6: part of a name, never 两
    if before != "第" and (takes_liang(following) or following.startswith(BIG_UNITS)):
        return read_cardinal_liang(plain)
    if len(plain) >= 4 and before != "第":
        return read_cardinal_liang(plain)  # 2000 两千, 20000 两万, as people say a bare amount
    if following.startswith(_ORDINAL_AFTER):
        return _one(read_cardinal(plain))  # 1号 1楼: a label, yi1 (the 一 of 一个 would change tone)
    return read_cardinal(plain)


# What starts the second date of a range once the date and month rules have run.
_DATE_AHEAD = r"[零一二三四五六七八九]{4}年|[一二三四五六七八九十壹]{1,2}月|\d{1,2}[日号]"
_CLOCK = re.compile(r"(?<!\d)(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2}))?(?!\d)")
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_U = rf"(?:{UNIT_RE})(?![A-Za-z])"

RULES: list[Rule] = [
    *contexts.RULES,
    # 2024-05-01, 2024/5/1, 2024.5.1
    Rule(re.compile(r"(?<![\d.])(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d.])"), _date),
    Rule(
        re.compile(r"(?<![\d.])(?P<a>\d{4})\s*[-~到至]\s*(?P<b>\d{4}|\d{2})(?=年|赛季|学年|财年|年度)"),
        lambda m: f"{read_digits(m.group('a'))}到{read_digits(m.group('b'))}",
    ),
    Rule(re.compile(r"(?<![\d.])(?P<y>\d{4})(?=年|届|级|款|赛季|财年|年度)"), _year),
    Rule(re.compile(r"(?<![\d.])(?P<y>\d0)(?=年代)"), lambda m: read_cardinal(m.group("y"))),  # 九十年代
    Rule(re.compile(r"(?<![\d.:])(?P<y>\d0)(?=后(?![面来天者续期边头]))"), _year),  # 90后 九零后, a generation
    Rule(
        re.compile(r"(?<![\d.])(?P<a>1[0-2]|0?[1-9])\s*(?P<sep>[-~到至])\s*(?P<b>1[0-2]|0?[1-9])(?=月)"),
        lambda m: _one(read_cardinal(m["a"])) + ("至" if m["sep"] == "至" else "到") + _one(read_cardinal(m["b"])),
    ),
    Rule(re.compile(r"(?<!\d)(?P<m>1[0-2]|0?[1-9])(?=月)"), lambda m: _one(read_cardinal(m.group("m")))),
    # A dash between two dates (2024.5.1-2024.5.7, 8月15日—20日) is 至; then the day after it is read.
    Rule(re.compile(rf"(?<=[日号])\s*(?:-|~|–|—{{1,2}})\s*(?={_DATE_AHEAD})"), lambda m: "至"),
    Rule(re.compile(r"(?<=[月至])(?P<d>3[01]|[12]\d|0?[1-9])(?=[日号])"), lambda m: _one(read_cardinal(m.group("d")))),
    Rule(re.compile(rf"(?<!\d)(?P<a>{_TIME})\s*(?:[-~–到至]|—{{1,2}})\s*(?P<b>{_TIME})(?!\d)"), _time_range),
    Rule(_CLOCK, _clock),
    Rule(
        re.compile(r"(?<![\d.])(?P<a>\d+):(?P<b>\d+)(?![\d.])"),
        lambda m: f"{read_cardinal(m['a'])}比{read_cardinal(m['b'])}",
    ),
    Rule(re.compile(rf"(?<![\d.])-?{_NUM}(?:\s*[-+×*÷/]\s*-?{_NUM})+\s*=\s*-?{_NUM}"), _expression),
    Rule(re.compile(rf"(?P<c>RMB|CNY|USD|HKD|EUR)\s*(?P<n>{_NUM})"), _money_code),
    Rule(
        re.compile(rf"(?<![\d.])(?P<a>{_NUM})\s*(?P<sep>[-~到至])\s*(?P<b>{_NUM})\s*元"),
        lambda m: _amount(m["a"], "") + ("至" if m["sep"] == "至" else "到") + read_money_yuan(m["b"]),
    ),
    Rule(
        re.compile(rf"¥\s*(?P<n>{_NUM})(?P<big>[万亿])?(?:\s*元)?|(?P<n2>{_NUM})\s*元"),
        lambda m: _yuan(m) if m["n"] else read_money_yuan(m["n2"]),
    ),
    Rule(re.compile(rf"(?P<c>US\$|HK\$|\$|€|£)\s*(?P<n>{_NUM})(?P<big>[万亿])?"), _currency),
    Rule(re.compile(rf"(?P<a>-?{_NUM})\s*(?P<p1>[%‰])?\s*[-~到至]\s*(?P<b>{_NUM})\s*(?P<p2>[%‰])"), _percent_range),
    Rule(re.compile(rf"(?P<n>-?{_NUM})\s*(?P<p>[%‰])"), lambda m: _percent_word(m["n"], m["p"])),
    Rule(
        re.compile(r"(?<![\d/])(?P<a>\d+)/(?P<b>\d+)(?![\d/])"),
        lambda m: f"{read_cardinal(m['b'])}分之{read_cardinal(m['a'])}",
    ),
    Rule(re.compile(r"(?<![\d.])(?P<v>\d+\.\d+\.\d+)(?![\d.])"), _version),
    Rule(re.compile(r"(?:(?<=[vV])|(?<=[A-Za-z] )|(?<=版本)|(?<=版本号))(?P<v>\d+\.\d+)(?![\d.])"), _version),
    Rule(re.compile(r"(?<![\d.])(?P<v>\d+\.\d+)(?=\s*版)"), _version),
    Rule(
        re.compile(
            rf"(?<![\d.A-Za-z])(?P<a>-?{_NUM})\s*(?P<u1>{_U})?\s*(?P<sep>-{{1,2}}|—{{1,2}}|[~–到至])\s*(?P<b>-?{_NUM})\s*(?P<u>{_U})?(?![\d.])"
        ),
        _range,
    ),
    Rule(re.compile(rf"(?<![A-Za-z\d.])(?P<n>-?{_NUM})\s*(?P<u>{_U})"), _with_unit),
    # 39°54′30″: the degree is a unit above; minutes and seconds of arc follow it.
    Rule(
        re.compile(r"(?<=度)(?P<m>\d{1,2})′(?:(?P<s>\d{1,2}(?:\.\d+)?)(?:″|′′))?"),  # NFKC made ″ two ′
        lambda m: read_cardinal(m["m"]) + "分" + (_one(read_decimal(m["s"])) + "秒" if m["s"] else ""),
    ),
    # Between numbers, or a one-letter variable and a number (x>5).
    Rule(
        re.compile(r"(?:(?<=\d)|(?<=[A-Za-z])(?<![A-Za-z]{2}))\s*[+×*÷<>≤≥≠≈=]\s*(?=[\d-])"),
        lambda m: MATH_SIGNS[m.group(0).strip()],
    ),
    Rule(re.compile(rf"(?<![A-Za-z0-9.])-(?P<n>{_NUM})"), lambda m: _one(read_decimal("-" + m["n"]))),
    Rule(re.compile(rf"(?<=第)(?P<n>{_NUM})"), lambda m: _number_word(m["n"])),
    Rule(re.compile(_NUM), _number),
    Rule(re.compile("|".join(re.escape(s) for s in SYMBOLS)), lambda m: SYMBOLS[m.group(0)]),
    Rule(re.compile(r"[ \t]{2,}|\t"), lambda m: " "),
    Rule(re.compile(r"^\s+|\s+$"), lambda m: ""),
]
_PRE_NFKC = Rule(PRE_NFKC_RE, lambda m: PRE_NFKC[m.group(0)])


def normalize_with_offsets(text: str, lexicon: UserLexicon | None = None) -> list[Chunk]:
    """The normalised text as chunks, each with the span of ``text`` it was read from."""
    rewriter = Rewriter(text)
    alias_rule = lexicon.alias_rule() if lexicon else None
    if alias_rule is not None:
        rewriter.apply(alias_rule)  # users' aliases first: "CEO" → "C E O" beats any rule
    rewriter.apply(_PRE_NFKC)
    rewriter.nfkc()
    for rule in RULES:
        rewriter.apply(rule)
    return rewriter.chunks()


def normalize(text: str, lexicon: UserLexicon | None = None) -> str:
    """Return ``text`` with every number and symbol written out as words."""
    return "".join(chunk.spoken for chunk in normalize_with_offsets(text, lexicon))
