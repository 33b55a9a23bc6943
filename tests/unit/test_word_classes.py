"""Word classes from jieba's dictionary: when 地 is the adverbial particle."""

import pytest

from app.text.g2p import dictionary_readings
from app.text.word_classes import WordClasses, word_classes


@pytest.mark.parametrize(
    ("sentence", "adverbial"),
    [
        ("她一直耐心地等待", True),  # 耐心 (823) outweighs the word 心地 (295)
        ("她热情地招呼他", True),  # a noun used as an adverb
        ("旅游目的地众多", False),  # 目的地 is a place
        ("他意外地发现了", True),
        ("简单地说", True),
        ("今年贫困地区", False),  # 地 begins 地区
        ("这样方便当地的代理", False),  # 当地 (7,272) outweighs 便当 (294)
        ("各地要合理安排", False),
        ("地上有水", False),
        ("他走得很慢地", False),  # nothing follows
    ],
)
def test_adverbial_di_follows_an_adjective_or_adverb_and_begins_no_word(sentence, adverbial):
    assert word_classes().adverbial_di(sentence, sentence.index("地")) is adverbial


def test_the_tables_come_from_the_dictionary_file(tmp_path):
    source = tmp_path / "dict.txt"
    lines = ["耐心 823 a", "心地 295 s", "地区 9000 n", "桌子 100 n", "目的地 50 n", "不停地 9 d", "走 5 v", "我 9 r"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    classes = WordClasses.load(source)
    assert [classes.describing_frequency(w) for w in ("耐心", "桌子", "走", "地区", "不停地")] == [823, 100, 0, 9000, 9]
    assert [classes.word_class(w) for w in ("走", "我", "耐心", "心地", "飞")] == ["v", "r", "a", "s", None]
    assert [classes.frequency(w) for w in ("走", "耐心", "心地", "飞")] == [5, 823, 295, 0]
    assert classes.with_di == {"心地": 295, "地区": 9000} and classes.places == {"目的地"}


def test_the_g2p_reads_adverbial_di_as_de5():
    assert dictionary_readings("她一直耐心地等待")[5] == "de5"
    assert dictionary_readings("今年贫困地区")[4] == "di4"
