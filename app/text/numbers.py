"""Reading numbers aloud in Mandarin: cardinals, decimals, digit strings, money."""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
# Digits read one by one use 壹 for 1: it sounds yi1 like 一 but is exempt from the
# tone sandhi of 一, which only applies to 一 used as a word (一个 yi2 ge4).
DIGIT_READINGS = "零壹二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
# Beyond 10^16 nobody reads a number as a quantity any more.
MAX_CARDINAL_DIGITS = 16


def read_digits(digits: str, *, phone: bool = False) -> str:
    """Digit by digit; telephone style reads 1 as 幺 (yao) to keep it apart from 7."""
    table = DIGIT_READINGS.replace("壹", "幺") if phone else DIGIT_READINGS
    return "".join(table[int(d)] for d in digits if d.isdigit())


def _read_group(group: str) -> str:
    """Read up to four digits without leading zeros, e.g. '1010' → 一千零一十."""
    out: list[str] = []
    pending_zero = False
    width = len(group)
    for i, ch in enumerate(group):
        d = int(ch)
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[d] + _SMALL_UNITS[width - 1 - i])
    return "".join(out)


def _read_positive(digits: str) -> str:
    """Read digits without leading zeros: split at 亿 (10^8), then 万 (10^4)."""
    if len(digits) <= 4:
        return _read_group(digits)
    split, unit = (8, "亿") if len(digits) > 8 else (4, "万")
    high, low = digits[:-split], digits[-split:]
    text = _read_positive(high) + unit
    rest = low.lstrip("0")
    if rest:
        # A gap of zeros right after the unit is read as one 零 (一万零八十六).
        text += ("零" if len(rest) < len(low) else "") + _read_positive(rest)
    return text


def read_cardinal(digits: str) -> str:
    """Read a non-negative integer written with ASCII digits, e.g. '10086' → 一万零八十六."""
    digits = digits.lstrip("0")
    if not digits:
        return "零"
    if len(digits) > MAX_CARDINAL_DIGITS:
        return read_digits(digits)
    text = _read_positive(digits)
    # 10–19 at the start of a number are read 十…, not 一十….
    return text[1:] if text.startswith("一十") else text


def read_cardinal_liang(digits: str) -> str:
    """Cardinal as used before a measure word: a leading 2 is 两 (两个, 两千, 两万)."""
    text = read_cardinal(digits)
    if text == "二":
        return "两"
    if text.startswith("二") and text[1:2] in ("千", "万", "亿"):
        return "两" + text[1:]
    return text


def read_decimal(number: str) -> str:
    """'3.14' → 三点一四; '-0.5' → 负零点五; '1,234.5' → 一千二百三十四点五."""
    number = number.replace(",", "")
    sign = ""
    if number[:1] in "-−":
        sign, number = "负", number[1:]
    elif number[:1] == "+":
        sign, number = "正", number[1:]
    whole, _, frac = number.partition(".")
    text = read_cardinal(whole or "0")
    if frac and text == "一":
        text = "壹"  # 1.5 is yi1 dian3 wu3, not the yi4 of 一点 ("a little")
    if frac:
        text += "点" + read_digits(frac)
    return sign + text


def read_money_yuan(number: str) -> str:
    """Renminbi amounts: '3.50' → 三元五角, '12.05' → 十二元零五分, '100' → 一百元."""
    number = number.replace(",", "")
    whole, _, frac = number.partition(".")
    if len(frac) > 2:
        return read_decimal(number) + "元"
    frac = frac.ljust(2, "0")
    jiao, fen = int(frac[0]), int(frac[1])
    whole_value = int(whole or "0")
    parts: list[str] = []
    if whole_value or not (jiao or fen):
        parts.append(read_cardinal_liang(whole or "0") + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    if fen:
        if whole_value and not jiao:
            parts.append("零")
        parts.append(DIGITS[fen] + "分")
    return "".join(parts)
