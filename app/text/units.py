"""Tables for normalisation: symbols NFKC would spoil, units, measure words, math signs."""

from __future__ import annotations

import re

# Rewritten before NFKC, which would otherwise turn "m²" into "m2" and "½" into "1⁄2".
PRE_NFKC = {
    "km²": "平方公里",
    "cm²": "平方厘米",
    "mm²": "平方毫米",
    "m²": "平方米",
    "cm³": "立方厘米",
    "m³": "立方米",
    "℃": "摄氏度",
    "℉": "华氏度",
    "㎡": "平方米",
    "㎥": "立方米",
    "㎞": "公里",
    "㎏": "公斤",
    "²": "平方",
    "³": "立方",
    "½": "二分之一",
    "¼": "四分之一",
    "¾": "四分之三",
    "⅓": "三分之一",
    "⅔": "三分之二",
    "−": "-",  # unicode minus
    "–": "-",  # en dash, as in 20–25
    "～": "~",
    "〜": "~",
}
PRE_NFKC_RE = re.compile("|".join(re.escape(k) for k in sorted(PRE_NFKC, key=len, reverse=True)))

# Unit symbols, read only right after a number. Storage sizes are read the way people
# say them (16GB 十六G, 500MB 五百兆), not as the standard's 吉字节.
UNITS = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "MB/s": "兆每秒",
    "KB/s": "K每秒",
    "kW·h": "千瓦时",
    "kWh": "千瓦时",
    "mAh": "毫安时",
    "Mbps": "兆",
    "Gbps": "G",
    "kcal": "千卡",
    "km": "公里",
    "cm": "厘米",
    "mm": "毫米",
    "nm": "纳米",
    "μm": "微米",
    "kg": "公斤",
    "mg": "毫克",
    "ml": "毫升",
    "mL": "毫升",
    "kW": "千瓦",
    "kV": "千伏",
    "mA": "毫安",
    "kB": "K",
    "KB": "K",
    "MB": "兆",
    "GB": "G",
    "TB": "T",
    "Hz": "赫兹",
    "kHz": "千赫兹",
    "MHz": "兆赫兹",
    "GHz": "吉赫兹",
    "dB": "分贝",
    "ms": "毫秒",
    "min": "分钟",
    "°C": "摄氏度",
    "°F": "华氏度",
    "°": "度",
    "m": "米",
    "g": "克",
    "t": "吨",
    "L": "升",
    "W": "瓦",
    "V": "伏",
    "h": "小时",
    "s": "秒",
    # Already words (from PRE_NFKC or written so): listed so ranges and signs see them as units.
    "摄氏度": "摄氏度",
    "度": "度",
    "华氏度": "华氏度",
    "平方公里": "平方公里",
    "平方米": "平方米",
    "平方厘米": "平方厘米",
    "立方米": "立方米",
}
UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
TEMPERATURE_UNITS = ("摄氏度", "华氏度", "度")

CURRENCY_PREFIX = {"US$": "美元", "HK$": "港元", "$": "美元", "€": "欧元", "£": "英镑", "¥": "元"}

# Measure words after which a number's leading 2 is read 两 (两个, 两天), not 二.
MEASURE_WORDS = frozenset(
    "个只位条本件张次天周年岁人名家辆台部块双对种层倍斤杯瓶碗架遍趟场片颗棵枝支间套份项"
    "首句把声口匹头门所座栋艘顿餐分秒克吨升米拳枪笔箱盒袋包度页"
)
MEASURE_PHRASES = (
    *("小时", "分钟", "秒钟", "星期", "个月", "点", "公里", "公斤", "公顷", "千克", "千米", "厘米", "毫米", "毫升"),
    *("平方", "立方", "摄氏度", "华氏度", "英里", "英尺", "海里", "亩"),
)
# 2万 两万, 2千 两千: the multiplier characters after a number.
BIG_UNITS = ("万", "亿", "千", "百")

MATH_SIGNS = {
    "+": "加",
    "-": "减",
    "=": "等于",
    "×": "乘以",
    "*": "乘以",
    "÷": "除以",
    "/": "除以",
    "<": "小于",
    ">": "大于",
    "≤": "小于等于",
    "≥": "大于等于",
    "≠": "不等于",
    "≈": "约等于",
}
# Symbols read wherever they stand (after the number rules had their chance).
SYMBOLS = {"&": "和", "@": "艾特", "±": "正负", "≈": "约等于", "≤": "小于等于", "≥": "大于等于", "≠": "不等于"}


def takes_liang(following: str) -> bool:
    """True when a number followed by ``following`` counts things: 2 is then 两."""
    return bool(following) and (following[0] in MEASURE_WORDS or following.startswith(MEASURE_PHRASES))
