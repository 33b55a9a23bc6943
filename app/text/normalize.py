"""Text normalisation: turn digits, symbols and units into the words a reader says.

The output holds only Chinese characters, Latin letters (spelled later by the
G2P), whitespace and punctuation. The order of the rules matters: specific
patterns (dates, times, phone numbers, money) run before generic numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from app.text.numbers import (
    read_cardinal,
    read_cardinal_liang,
    read_decimal,
    read_digits,
    read_money_yuan,
)

# Applied before NFKC, which would otherwise turn "m²" into "m2" and "½" into "1⁄2".
_PRE_NFKC = {
    "km²": "平方公里",
    "cm²": "平方厘米",
    "m²": "平方米",
    "m³": "立方米",
    "℃": "摄氏度",
    "℉": "华氏度",
    "㎡": "平方米",
    "㎥": "立方米",
    "²": "平方",
    "³": "立方",
    "½": "二分之一",
    "¼": "四分之一",
    "¾": "四分之三",
    "⅓": "三分之一",
    "⅔": "三分之二",
    "−": "-",  # unicode minus
    "–": "-",
    "～": "~",
    "〜": "~",
}

# Unit symbols, read only when they follow a number. Longest first.
_UNITS = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "kWh": "千瓦时",
    "km": "公里",
    "cm": "厘米",
    "mm": "毫米",
    "nm": "纳米",
    "kg": "公斤",
    "mg": "毫克",
    "ml": "毫升",
    "mL": "毫升",
    "kW": "千瓦",
    "kB": "千字节",
    "KB": "千字节",
    "MB": "兆字节",
    "GB": "吉字节",
    "TB": "太字节",
    "Hz": "赫兹",
    "kHz": "千赫兹",
    "MHz": "兆赫兹",
    "GHz": "吉赫兹",
    "ms": "毫秒",
    "min": "分钟",
    "°C": "摄氏度",
    "°F": "华氏度",
    "°": "度",
    "m": "米",
    "g": "克",
    "L": "升",
    "W": "瓦",
    "V": "伏",
    "h": "小时",
    "s": "秒",
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

_CURRENCY_PREFIX = {"$": "美元", "€": "欧元", "£": "英镑", "HK$": "港元", "US$": "美元"}

# Measure words after which a lone 2 is read 两 (两个, 两天), not 二.
_MEASURE_WORDS = (
    "个只位条本件张次天周年月岁人名家辆台部块双对种层倍斤杯瓶碗架遍趟场片颗棵枝支间套份项"
    "首句把位声口匹头门所座栋艘架顿餐"
)
_MEASURE_PHRASES = ("小时", "分钟", "秒钟", "星期", "公里", "公斤", "千克", "千米", "米", "克", "吨", "点")

# Context words after which a run of digits is a number to dial, read digit by digit.
_DIAL_CONTEXT = re.compile(
    r"(电话|手机|号码|热线|拨打|致电|呼叫|联系|座机|客服|短信|tel|TEL|Tel|QQ|微信|尾号)[^\d]{0,4}$"
)

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _valid_date(month: str, day: str | None = None) -> bool:
    return 1 <= int(month) <= 12 and (day is None or 1 <= int(day) <= 31)


def _date(m: re.Match[str]) -> str:
    year, month, day = m.group("y"), m.group("m"), m.group("d")
    if not _valid_date(month, day):
        return m.group(0).replace("-", " ").replace("/", " ")  # leave to the generic rules
    return f"{read_digits(year)}年{read_cardinal(month)}月{read_cardinal(day)}日"


def _year(m: re.Match[str]) -> str:
    year = m.group("y")
    # 1000–2199 followed by 年 is a calendar year (二零二四年); 5000年 is a duration.
    if 1000 <= int(year) <= 2199:
        return read_digits(year) + "年"
    return read_cardinal(year) + "年"


def _year_range(m: re.Match[str]) -> str:
    return f"{read_digits(m.group('a'))}到{read_digits(m.group('b'))}年"


def _month_day(m: re.Match[str]) -> str:
    text = read_cardinal(m.group("m")) + "月"
    if m.group("d"):
        text += read_cardinal(m.group("d")) + m.group("suffix")
    return text


def _clock(m: re.Match[str]) -> str:
    hour, minute, second = m.group("h"), m.group("min"), m.group("s")
    if int(hour) > 24 or int(minute) > 59 or (second and int(second) > 59):
        # Not a time of day: a score or ratio like 3:75 → 三比七十五.
        return f"{read_decimal(hour)}比{read_decimal(minute)}" + (f"比{read_decimal(second)}" if second else "")
    text = read_cardinal_liang(hour) + "点"
    if int(minute) or second:
        text += ("零" if minute.startswith("0") and int(minute) else "") + read_cardinal(minute) + "分"
    if second:
        text += read_cardinal(second) + "秒"
    return text


def _score(m: re.Match[str]) -> str:
    return f"{read_cardinal(m.group('a'))}比{read_cardinal(m.group('b'))}"


def _ip_address(m: re.Match[str]) -> str:
    return "点".join(read_digits(part) for part in m.group(0).split("."))


def _phone(m: re.Match[str]) -> str:
    return read_digits(m.group(0), phone=True)


def _yuan(m: re.Match[str]) -> str:
    return read_money_yuan(m.group("n") or m.group("n2"))


def _currency(m: re.Match[str]) -> str:
    return read_decimal(m.group("n")) + _CURRENCY_PREFIX[m.group("c")]


def _percent(m: re.Match[str]) -> str:
    prefix = "千分之" if m.group("p") == "‰" else "百分之"
    number = m.group("n")
    if number.startswith("-"):
        return "负" + prefix + read_decimal(number[1:])
    return prefix + read_decimal(number)


def _fraction(m: re.Match[str]) -> str:
    return f"{read_cardinal(m.group('b'))}分之{read_cardinal(m.group('a'))}"


def _range(m: re.Match[str]) -> str:
    unit = _UNITS[m.group("u")] if m.group("u") else ""
    return f"{read_decimal(m.group('a'))}到{read_decimal(m.group('b'))}{unit}"


def _with_unit(m: re.Match[str]) -> str:
    number = m.group("n")
    unit = _UNITS[m.group("u")]
    read = (
        read_decimal(number)
        if "." in number or number.startswith("-")
        else read_cardinal_liang(number.replace(",", ""))
    )
    return read + unit


def _math(m: re.Match[str]) -> str:
    return {"+": "加", "=": "等于", "×": "乘以", "*": "乘以", "÷": "除以", "<": "小于", ">": "大于"}[m.group(0).strip()]


def _negative(m: re.Match[str]) -> str:
    return read_decimal("-" + m.group("n"))


def _ordinal(m: re.Match[str]) -> str:
    return "第" + read_cardinal(m.group("n"))


def _number(m: re.Match[str]) -> str:
    number = m.group(0)
    if "." in number:
        return read_decimal(number)
    plain = number.replace(",", "")
    if (plain.startswith("0") and len(plain) > 1) or len(plain) > 16:
        return read_digits(plain)
    if _DIAL_CONTEXT.search(m.string[: m.start()]):
        return read_digits(plain, phone=True)
    following = m.string[m.end() : m.end() + 2]
    if following[:1] and (following[0] in _MEASURE_WORDS or following.startswith(_MEASURE_PHRASES)):
        return read_cardinal_liang(plain)
    return read_cardinal(plain)


_RULES: list[Rule] = [
    # 2024-05-01, 2024/5/1, 2024.5.1
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), _date),
    (re.compile(r"(?<!\d)(?P<a>\d{4})\s*[-~到至]\s*(?P<b>\d{4})年"), _year_range),
    (re.compile(r"(?<!\d)(?P<y>\d{4})年"), _year),
    (re.compile(r"(?<!\d)(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>3[01]|[12]\d|0?[1-9])(?P<suffix>[日号]))?"), _month_day),
    # Telephone numbers: mobiles (optionally +86), landlines 010-12345678, service lines 400-800-8888.
    (re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![\d.])"), _phone),
    (re.compile(r"(?<![\d.])0\d{2,3}-\d{7,8}(?![\d.])"), _phone),
    (re.compile(r"(?<![\d.])[48]00-?\d{3}-?\d{4}(?![\d.])"), _phone),
    (re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"), _ip_address),
    (re.compile(r"(?<!\d)(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2}))?(?!\d)"), _clock),
    (re.compile(r"(?<![\d.])(?P<a>\d+):(?P<b>\d+)(?![\d.])"), _score),
    (re.compile(rf"[¥￥]\s*(?P<n>{_NUM})|(?P<n2>{_NUM})\s*元"), _yuan),
    (re.compile(rf"(?P<c>US\$|HK\$|\$|€|£)\s*(?P<n>{_NUM})"), _currency),
    (re.compile(rf"(?P<n>-?{_NUM})\s*(?P<p>[%‰])"), _percent),
    (re.compile(r"(?<![\d/])(?P<a>\d+)/(?P<b>\d+)(?![\d/])"), _fraction),
    (
        re.compile(rf"(?<![\d.])(?P<a>{_NUM})\s*[-~到至]\s*(?P<b>{_NUM})(?:(?P<u>{_UNIT_RE})(?![A-Za-z]))?(?![\d.])"),
        _range,
    ),
    (re.compile(rf"(?P<n>-?{_NUM})\s*(?P<u>{_UNIT_RE})(?![A-Za-z])"), _with_unit),
    (re.compile(r"(?<=\d)\s*[+=×*÷<>]\s*(?=[\d-])"), _math),
    (re.compile(rf"(?<![A-Za-z0-9.])-(?P<n>{_NUM})"), _negative),
    (re.compile(r"第(?P<n>\d+)"), _ordinal),
    (re.compile(_NUM), _number),
]

_SYMBOLS = {"&": "和", "@": "艾特", "+": "加", "=": "等于", "×": "乘", "÷": "除以"}


def normalize(text: str) -> str:
    """Return ``text`` with every number and symbol written out as words."""
    for src, dst in _PRE_NFKC.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKC", text)
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    for src, dst in _SYMBOLS.items():
        text = text.replace(src, dst)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()
