"""normalize_with_offsets: every spoken piece points at the characters of the input it came from."""

import itertools
import random

import pytest

from app.text.normalize import normalize, normalize_with_offsets
from app.text.offsets import Chunk


def source_of(text: str, spoken: str) -> str:
    """The input characters behind the chunk whose spoken text is ``spoken``."""
    [chunk] = [c for c in normalize_with_offsets(text) if c.spoken == spoken]
    return text[chunk.start : chunk.end]


def test_a_rewritten_year_is_one_chunk_over_its_digits():
    chunks = normalize_with_offsets("2024年")
    assert chunks == [Chunk("二零二四", 0, 4), Chunk("年", 4, 5)]


def test_money_covers_the_currency_sign_and_the_number():
    assert source_of("价格¥12，", "十二元") == "¥12"
    assert source_of("共¥1,250.50元整", "一千二百五十元五角") == "¥1,250.50元"


def test_untouched_characters_map_one_to_one():
    chunks = normalize_with_offsets("你好")
    assert chunks == [Chunk("你", 0, 1), Chunk("好", 1, 2)]


def test_offsets_point_at_the_original_after_nfkc():
    text = "订于２０２４年５月，电话（010）12345678"
    assert source_of(text, "二零二四") == "２０２４"
    assert source_of(text, "五") == "５"
    assert source_of(text, "零幺零幺二三四五六七八") == "（010）12345678"


def test_unit_symbols_rewritten_before_nfkc_keep_their_span():
    assert source_of("面积100m²。", "一百平方米") == "100m²"
    assert source_of("-5℃", "零下五摄氏度") == "-5℃"


def test_codes_after_keywords_leave_the_keyword_as_it_is():
    chunks = normalize_with_offsets("验证码是690253")
    assert chunks[:4] == [Chunk("验", 0, 1), Chunk("证", 1, 2), Chunk("码", 2, 3), Chunk("是", 3, 4)]
    assert chunks[4] == Chunk("六九零二五三", 4, 10)


@pytest.mark.parametrize(
    "text",
    [
        "  会议在 2024-05-01   14:30，地点1208室\t请拨打110。 ",
        "Python 3.11 比 3.10 快，¥1,250.50，20-25℃，A380，service@huayin.com",
        "",
        "😀２个ＡＢＣ",
    ],
)
def test_normalize_is_exactly_the_joined_chunks(text):
    chunks = normalize_with_offsets(text)
    assert normalize(text) == "".join(c.spoken for c in chunks)
    # Chunks are in source order and never overlap.
    assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
    assert all(0 <= c.start < c.end <= len(text) for c in chunks)


def test_collapsed_and_stripped_whitespace():
    chunks = normalize_with_offsets(" 你  好 ")
    assert chunks == [Chunk("你", 1, 2), Chunk(" ", 2, 4), Chunk("好", 4, 5)]


def test_any_mix_of_digits_and_signs_normalises_without_error():
    rng = random.Random(7)
    alphabet = "0123456789-~.,:/%‰℃¥$+=×÷<>年月日号元个点至到 abAB@中第一()（）"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        chunks = normalize_with_offsets(text)
        assert normalize(text) == "".join(c.spoken for c in chunks)
        assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))


def test_a_double_dash_range_and_a_decimal_ordinal():
    assert normalize("约750--800") == "约七百五十到八百"
    assert normalize("第9.8") == "第九点八"
