"""G2P: phrase-aware pinyin, tone sandhi, letters, breaks, and the model's phone symbols."""

import pytest

from app.engines.baker import BakerPhones
from app.engines.embedded import PHONE_MAP, locate_assets
from app.text.g2p import BREAK_CLAUSE, BREAK_NONE, BREAK_PHRASE, to_phrases


def syllables(text: str) -> list[str]:
    return [s for p in to_phrases(text) for s in p.syllables]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("银行", ["yin2", "hang2"]),
        ("行走", ["xing2", "zou3"]),
        ("重要", ["zhong4", "yao4"]),
        ("重新", ["chong2", "xin1"]),
        ("音乐", ["yin1", "yue4"]),
        ("快乐", ["kuai4", "le4"]),
        ("长大", ["zhang3", "da4"]),
        ("长度", ["chang2", "du4"]),
        ("银行行长", ["yin2", "hang2", "hang2", "zhang3"]),
        ("还钱", ["huan2", "qian2"]),
        ("还有", ["hai2", "you3"]),
    ],
)
def test_common_polyphones_are_read_by_their_phrase(text, expected):
    assert syllables(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", ["ni2", "hao3"]),
        ("展览馆", ["zhan2", "lan2", "guan3"]),
        ("我很好", ["wo2", "hen2", "hao3"]),
        ("不是", ["bu2", "shi4"]),
        ("不好", ["bu4", "hao3"]),
        ("好不好", ["hao3", "bu5", "hao3"]),
        ("一定", ["yi2", "ding4"]),
        ("一天", ["yi4", "tian1"]),
        ("一个", ["yi2", "ge4"]),
        ("看一看", ["kan4", "yi5", "kan4"]),
        ("第一", ["di4", "yi1"]),
        ("统一", ["tong3", "yi1"]),
        ("十一", ["shi2", "yi1"]),
        ("一万一千", ["yi2", "wan4", "yi4", "qian1"]),
        ("走了", ["zou3", "le5"]),
    ],
)
def test_tone_sandhi_gives_surface_tones(text, expected):
    assert syllables(text) == expected


def test_rhotic_er_fuses_with_the_syllable_before_it():
    assert syllables("这儿") == ["zhe4", "r"]
    assert syllables("女儿") == ["nv3", "er2"]


def test_latin_letters_are_spelled_with_chinese_letter_names():
    assert syllables("AI") == ["ei1", "ai4"]
    assert syllables("用CEO") == ["yong4", "xi1", "yi4", "ou1"]
    assert syllables("ok") == ["ou1", "kai4"]


def test_emoji_and_unknown_symbols_are_dropped():
    assert syllables("好😀★♪") == ["hao3"]
    assert to_phrases("😀🎉") == []


def test_punctuation_becomes_prosodic_breaks():
    phrases = to_phrases("你好，世界、朋友")
    assert [p.brk for p in phrases] == [BREAK_CLAUSE, BREAK_PHRASE, BREAK_NONE]
    # Several marks in a row keep the strongest break and add no empty phrase.
    assert [p.brk for p in to_phrases("真的？！“好”")] == [BREAK_CLAUSE, BREAK_NONE]


@pytest.fixture(scope="module")
def phones() -> BakerPhones:
    return BakerPhones(locate_assets() / PHONE_MAP)


def test_sentence_maps_to_the_models_phone_symbols(phones):
    symbols = phones.symbols(to_phrases("今天天气很好"))
    assert symbols == [
        "sil",
        "j",
        "in1",
        "#0",
        "t",
        "ian1",
        "#0",
        "t",
        "ian1",
        "#0",
        "q",
        "i4",
        "#0",
        "h",
        "en2",
        "#0",
        "h",
        "ao3",
        "sil",
    ]


def test_zero_initial_and_apical_vowels_use_the_baker_finals(phones):
    assert phones.symbols(to_phrases("一")) == ["sil", "^", "i1", "sil"]
    assert phones.symbols(to_phrases("是")) == ["sil", "sh", "iii4", "sil"]
    assert phones.symbols(to_phrases("四")) == ["sil", "s", "ii4", "sil"]
    assert phones.symbols(to_phrases("女")) == ["sil", "n", "v3", "sil"]


def test_clause_breaks_and_erhua_in_phone_symbols(phones):
    assert phones.symbols(to_phrases("好，这儿")) == ["sil", "h", "ao3", "#3", "zh", "e4", "er5", "sil"]


def test_every_symbol_is_in_the_models_vocabulary(phones):
    ids = phones.ids(phones.symbols(to_phrases("嗯，ABC，〇，欸，我们走吧！")))
    assert ids[-1] == phones.eos_id
    assert all(isinstance(i, int) for i in ids)
