"""Text normalisation: every category the front-end promises, with concrete expected readings."""

import pytest

from app.text.normalize import normalize
from app.text.numbers import read_cardinal, read_digits, read_money_yuan


@pytest.mark.parametrize(
    ("digits", "spoken"),
    [
        ("0", "零"),
        ("7", "七"),
        ("10", "十"),
        ("15", "十五"),
        ("110", "一百一十"),
        ("1001", "一千零一"),
        ("10086", "一万零八十六"),
        ("100000", "十万"),
        ("1000010", "一百万零一十"),
        ("100010000", "一亿零一万"),
        ("12345", "一万二千三百四十五"),
        ("1234567890123", "一万二千三百四十五亿六千七百八十九万零一百二十三"),
    ],
)
def test_integers_are_read_as_cardinals(digits, spoken):
    assert read_cardinal(digits) == spoken


def test_numbers_too_long_for_a_quantity_are_read_digit_by_digit():
    assert read_cardinal("12345678901234567") == read_digits("12345678901234567")


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("共有12345人", "共有一万二千三百四十五人"),
        ("3.14", "三点壹四"),
        ("0.5", "零点五"),
        ("1.5", "壹点五"),
        ("1,234,567", "一百二十三万四千五百六十七"),
    ],
)
def test_integers_and_decimals_in_text(text, spoken):
    assert normalize(text) == spoken


def test_digits_read_one_by_one_use_a_one_that_sandhi_leaves_alone():
    # 壹 reads yi1 like 一, but is not the word 一 whose tone changes (一个 yi2 ge4).
    assert read_digits("2019") == "二零壹九"
    assert read_digits("110", phone=True) == "幺幺零"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("气温-5度", "气温零下五度"),
        ("跌到-3.5", "跌到负三点五"),
        ("-3%", "负百分之三"),
    ],
)
def test_negative_numbers(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [("3/4", "四分之三"), ("1/2", "二分之一"), ("½", "二分之一")])
def test_fractions(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [("50%", "百分之五十"), ("12.5%", "百分之十二点五"), ("5‰", "千分之五")])
def test_percentages(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2024年", "二零二四年"),
        ("5000年的历史", "五千年的历史"),
        ("2024-05-01", "二零二四年五月壹日"),
        ("2024/5/1", "二零二四年五月壹日"),
        ("5月1日", "五月壹日"),
        ("12月31号", "十二月三十一号"),
        ("2020-2024年", "二零二零到二零二四年"),
    ],
)
def test_years_and_dates(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2026.12.01-2026.12.31", "二零二六年十二月壹日至二零二六年十二月三十一日"),
        ("8月15日—8月20日", "八月十五日至八月二十日"),
        ("8月15日-20日", "八月十五日至二十日"),
        ("5日~10日", "五日至十日"),
    ],
)
def test_a_dash_between_dates_is_read_zhi(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2023-24赛季", "二零二三到二四赛季"),
        ("她是90后", "她是九零后"),
        ("00后", "零零后"),
        ("90后面的数字", "九十后面的数字"),
        ("09:00—22:00", "九点到二十二点"),
        ("3—5天", "三到五天"),
        ("北纬39°54′", "北纬三十九度五十四分"),
        ("东经116°23′12″", "东经一百一十六度二十三分十二秒"),
    ],
)
def test_seasons_generations_em_dash_ranges_and_arc_minutes(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("12:30", "十二点三十分"),
        ("8:05", "八点零五分"),
        ("2:00", "两点"),
        ("23:59:59", "二十三点五十九分五十九秒"),
    ],
)
def test_times_of_day(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [("比分3:2", "比分三比二"), ("4:3", "四比三")])
def test_ratios_and_scores_are_not_times(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("¥100", "一百元"),
        ("￥3.50", "三元五角"),
        ("12.05元", "十二元零五分"),
        ("0.5元", "五角"),
        ("2000元", "两千元"),
        ("$5", "五美元"),
        ("€9.99", "九点九九欧元"),
    ],
)
def test_money(text, spoken):
    assert normalize(text) == spoken


def test_money_amounts_with_more_than_two_decimals_stay_decimal():
    assert read_money_yuan("1.234") == "壹点二三四元"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("13812345678", "幺三八幺二三四五六七八"),
        ("010-62345678", "零幺零六二三四五六七八"),
        ("400-800-8888", "四零零八零零八八八八"),
        ("请拨打110", "请拨打幺幺零"),
        ("电话：12345", "电话:幺二三四五"),
    ],
)
def test_phone_numbers_are_read_digit_by_digit(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [("3-5", "三到五"), ("3~5天", "三到五天"), ("3-5km", "三到五公里")])
def test_ranges(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("5km", "五公里"),
        ("60kg", "六十公斤"),
        ("36.5℃", "三十六点五摄氏度"),
        ("100m²", "一百平方米"),
        ("速度120km/h", "速度一百二十公里每小时"),
        ("500ml", "五百毫升"),
        ("2h", "两小时"),
    ],
)
def test_units_after_numbers(text, spoken):
    assert normalize(text) == spoken


def test_letters_without_a_number_are_not_taken_for_units():
    assert normalize("m和kg") == "m和kg"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [("２０２４年", "二零二四年"), ("全角１２３", "全角一百二十三"), ("ＡＢＣ", "ABC"), ("你好！", "你好!")],
)
def test_full_width_characters(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [("2个苹果", "两个苹果"), ("第2名", "第二名"), ("2", "二"), ("1+1=2", "壹加壹等于二"), ("007", "零零七")],
)
def test_two_before_measure_words_ordinals_and_arithmetic(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [("x>5且y<3", "x大于五且y小于三"), ("x=3时", "x等于三时"), ("max>5", "max>五")],
)
def test_a_comparison_with_a_one_letter_variable_is_read(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [("B2层", "B二层"), ("B1层", "B壹层"), ("这栋楼有2层", "这栋楼有两层")])
def test_a_number_glued_to_a_letter_is_a_name_not_a_count(text, spoken):
    assert normalize(text) == spoken


def test_ip_addresses_are_read_digit_by_digit():
    assert normalize("192.168.1.1") == "壹九二点壹六八点壹点壹"
