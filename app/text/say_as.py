"""SSML ``<say-as>``: content read the way the author says it is meant (digits, a number, a date …)."""

from __future__ import annotations

import re

from app.text.numbers import read_cardinal, read_cardinal_liang, read_decimal, read_digits

SAY_AS = ("digits", "cardinal", "number", "telephone", "date", "characters", "spell-out")


class SayAsError(ValueError):
    """The content does not fit the kind it is said to be; the message says why."""


def say_as(kind: str, content: str, date_format: str = "ymd") -> str:
    """The words for ``content`` read as ``kind`` (one of SAY_AS)."""
    content = content.strip()
    if kind in ("digits", "characters", "spell-out"):
        return " ".join(read_digits(ch) if ch.isdigit() else ch for ch in content if not ch.isspace())
    if kind == "telephone":
        return read_digits(content, phone=True)
    if kind in ("cardinal", "number"):
        number = content.replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", number):
            raise SayAsError(f"<say-as interpret-as=\"{kind}\"> '{content}' is not a number")
        sign = "负" if number.startswith("-") else ""
        number = number.lstrip("-")
        if "." in number:
            return sign + read_decimal(number)
        # 2000 is 两千, but the number 2 on its own is 二
        return sign + (read_cardinal_liang(number) if len(number) > 1 else read_cardinal(number))
    if kind == "date":
        return _date(content, date_format)
    raise SayAsError(f"<say-as> interpret-as '{kind}' is not one of {', '.join(SAY_AS)}")


def _date(content: str, fmt: str) -> str:
    parts = [p for p in re.split(r"\D+", content) if p]
    order = {"ymd": "ymd", "mdy": "mdy", "dmy": "dmy", "ym": "ym", "md": "md", "y": "y"}.get(fmt)
    if order is None or len(parts) != len(order):
        raise SayAsError(f"<say-as interpret-as=\"date\"> '{content}' does not match format '{fmt}'")
    fields = dict(zip(order, parts, strict=True))
    if not 1 <= int(fields.get("m", 1)) <= 12 or not 1 <= int(fields.get("d", 1)) <= 31:
        raise SayAsError(f"<say-as interpret-as=\"date\"> '{content}' is not a valid date")
    out = ""
    if "y" in fields:
        out += read_digits(fields["y"]) + "年"
    if "m" in fields:
        out += read_cardinal(str(int(fields["m"]))) + "月"
    if "d" in fields:
        out += read_cardinal(str(int(fields["d"]))) + "日"
    return out
