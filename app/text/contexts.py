"""Digits that are not quantities: codes, telephone numbers, names of things, addresses.

A verification code read as 六十九万零二百五十三 is a failed call for a customer-service
user. These rules run before the quantity rules and read such digits one by one,
with 幺 for 1 the way telephone operators and announcers say it (幺幺零, G幺二三四).
What makes digits a code here is their context: a keyword before them (验证码, 房间号,
尾号 …), their shape (a mobile or landline number), or a well-known service number.
"""

from __future__ import annotations

import re

from app.text.numbers import read_cardinal, read_digits
from app.text.offsets import Rule
from app.text.units import BIG_UNITS, UNIT_RE, takes_liang

# Words after which the digits are a code or a number to dial.
_CODE_KEYWORDS = (
    "验证码|校验码|动态码|确认码|取件码|提货码|取餐码|兑换码|邀请码|密码|口令|房间号|房间|房号|门牌号|门牌|宿舍|病房|"
    "邮编|邮政编码|工号|学号|考号|准考证号|订单号|运单号|快递单号|单号|尾号|账号|帐号|银行卡号|卡号|车次|航班号|航班|"
    "编号|分机号|分机|证件号|身份证号|身份证|会员号|手机号码|手机号|手机|电话号码|电话|热线|客服|拨打|致电|呼叫|"
    "联系方式|座机|传真|短信|QQ号|QQ|微信号|序列号|串号|批次号|车牌号|坐席|波音|空客|型号|诊室号|诊室|床号|床位号|"
    "座位号|桌号|工位号"
)
# Between the keyword and the digits: 是/为/：, a few words ("尾号为", "卡号后四位") — but not a
# price, an amount or a count (手机售价$999, 账号余额5000元, 拨打电话2000次 are quantities).
_NOT_IN_GAP = "价|卖|额|费|量|共|约|花|值|达|超|用了"
_GAP = rf"(?:(?!{_NOT_IN_GAP})[^\d。！？!?；;\n$¥￥€£]){{0,6}}?"
_CODE = r"(?:\+?86[- ]?)?\d[\d -]*\d"
_KEYWORD_CODE = re.compile(rf"(?:{_CODE_KEYWORDS}){_GAP}(?P<code>[A-Za-z]{{0,3}}{_CODE})(?![\d.,])")
# A room number before the room (1208室, 1208房间, 508会议室, 305诊室).
_ROOM = re.compile(r"(?<![\d.,])(?P<code>\d{3,5})(?=室|房间|会议室|诊室|教室|病房|包间|包厢|宿舍)")

# Mobile (13812345678, 138-1234-5678, +86 138 1234 5678), landline ((010)12345678,
# 010-62345678, 0755 12345678) and 400/800 service lines.
# An extension may follow (0755-86013388转8001).
_EXTENSION = r"(?:\s*转\s*(?P<extension>\d{1,6}))?(?![\d.,])"
_MOBILE = re.compile(rf"(?<![\d.,])(?P<number>(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{{4}}[- ]?\d{{4}}){_EXTENSION}")
_LANDLINE = re.compile(rf"(?<![\d.,])(?P<number>(?:\(0\d{{2,3}}\) ?|0\d{{2,3}}[- ])\d{{3,4}}[- ]?\d{{4}}){_EXTENSION}")
_SERVICE_LINE = re.compile(rf"(?<![\d.,])(?P<number>[48]00[- ]?\d{{3}}[- ]?\d{{4}}){_EXTENSION}")

# Service numbers everyone dials; read as a number to dial wherever they stand,
# unless the text makes them a quantity (120人, 第110, 约120).
SERVICE_NUMBERS = (
    "110|112|114|119|120|122|999|12110|12306|12315|12318|12320|12333|12348|12358|12365|12366|12369|12377|"
    "12395|12123|12121|10000|10001|10010|10011|10050|10060|10086|10088|95\\d{3}"
)
_SERVICE = re.compile(rf"(?<![\d.,\-+])(?:{SERVICE_NUMBERS})(?![\d.,%‰:])")
_QUANTITY_BEFORE = re.compile(r"(第|约|共|近|超过|大约|多达|至少|最多|只有|仅|[¥$€£]|[-~到至])\s*$")

# Letters glued to digits: a product, flight, train or model name (A380, G1234次, CA1234,
# RTX4090). Three digits and more are read one by one; one or two are a number (MP3, iPhone15).
_MODEL = re.compile(
    rf"(?<![A-Za-z0-9@.])(?!RMB|CNY|USD|HKD|EUR)(?P<name>[A-Za-z]{{1,6}})(?P<code>\d{{3,}})(?![\d.,%]|{UNIT_RE})"
)
_DASHED_MODEL = re.compile(r"(?<![A-Za-z0-9])(?P<name>[A-Za-z]{2,})-(?P<n>\d{1,4})(?![\d.])")

_IP_ADDRESS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(
    r"(?:https?://|www\.)[A-Za-z0-9.\-_~/?#=&%:]+[A-Za-z0-9/]"
    r"|(?<![@A-Za-z0-9.])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|cn|net|org|gov|edu|io|ai|top|xyz|info)"
    r"(?:\.cn)?(?:/[A-Za-z0-9.\-_~/?#=&%]*)?(?![A-Za-z0-9])"
)
_URL_SIGNS = {".": "点", "/": "斜杠", "-": "杠", "_": "下划线", ":": "冒号", "@": "艾特", "?": "问号", "=": "等于"}
_URL_SIGNS.update({"&": "和", "#": "井号", "%": "百分号", "~": "波浪号"})


def _dial(digits: str) -> str:
    """A number to dial: 幺 for 1; +86 is said 加八六; dashes, spaces and brackets fall silent."""
    text = digits.strip()
    prefix = ""
    if text.startswith("+"):
        prefix, text = "加", text[1:]
    return prefix + read_digits(text, phone=True)


def _phone(m: re.Match[str]) -> str:
    """A telephone number, dashes, spaces and brackets silent, and its extension (转八零零幺)."""
    extension = m.group("extension")
    return _dial(re.sub(r"[-() ]", "", m.group("number"))) + (f"转{_dial(extension)}" if extension else "")


def _code(m: re.Match[str]) -> str:
    code = m.group("code")
    letters = re.match(r"[A-Za-z]*", code).group(0)
    if not letters and _counted(m.string[m.end() : m.end() + 3]):
        return code  # 房间里有10个, 手机电池5000毫安时: a quantity after all
    return letters + _dial(re.sub(r"[ -]", "", code[len(letters) :]))


def _counted(following: str) -> bool:
    """True when the text after a number makes it a quantity (120人, 110公斤, 12306元)."""
    if takes_liang(following) or following.startswith(("元", "年", "月", "日", "多", "余", "来", *BIG_UNITS)):
        return True
    return bool(re.match(rf"\s*(?:{UNIT_RE})(?![A-Za-z])", following)) or following[:1] in tuple("岁度秒级届条")


def _quantity_context(m: re.Match[str]) -> bool:
    before = m.string[max(0, m.start() - 4) : m.start()]
    return _counted(m.string[m.end() : m.end() + 3]) or bool(_QUANTITY_BEFORE.search(before))


def _service(m: re.Match[str]) -> str:
    if _quantity_context(m):
        return m.group(0)  # left to the quantity rules
    return read_digits(m.group(0), phone=True)


def _model(m: re.Match[str]) -> str:
    return m.group("name") + read_digits(m.group("code"), phone=True)


def _dashed_model(m: re.Match[str]) -> str:
    """COVID-19 is COVID 十九: the dash is not a pause or a minus."""
    return m.group("name") + " " + read_cardinal(m.group("n"))


def _spell_address(text: str) -> str:
    """Letters stay (the G2P spells them), digits one by one, signs by their names."""
    out = []
    for ch in text:
        if ch.isdigit():
            out.append(read_digits(ch))
        else:
            out.append(_URL_SIGNS.get(ch, ch))
    return "".join(out)


def _email(m: re.Match[str]) -> str:
    return _spell_address(m.group(0))


def _url(m: re.Match[str]) -> str:
    # The scheme is not read: people say the address from www or the host name on.
    return _spell_address(re.sub(r"^https?://", "", m.group(0)).rstrip("/"))


RULES: list[Rule] = [
    Rule(_EMAIL, _email),
    Rule(_URL, _url),
    # Telephone shapes first: a keyword rule would stop at the bracket of (010)12345678.
    Rule(_MOBILE, _phone),
    Rule(_LANDLINE, _phone),
    Rule(_SERVICE_LINE, _phone),
    Rule(_KEYWORD_CODE, _code, "code"),
    Rule(_ROOM, _code, "code"),
    Rule(_SERVICE, _service),
    Rule(_MODEL, _model),
    Rule(_IP_ADDRESS, lambda m: "点".join(read_digits(part) for part in m.group(0).split("."))),
    Rule(_DASHED_MODEL, _dashed_model),
]
