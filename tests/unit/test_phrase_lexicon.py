"""The phrase lexicon: pypinyin's phrases with our corrections, two-way maximum matching, batch lookups."""

from __future__ import annotations

import json

from app.text.lexicon import Lexicon, lexicon


def test_every_phrase_of_the_file_reads_as_the_file_says(tmp_path):
    source = tmp_path / "phrases.json"
    entries = {
        "银行": [["yín"], ["háng"]],
        "行长": [["háng"], ["zhǎng"]],
        "银行行长": [["yín"], ["háng"], ["háng"], ["zhǎng"]],
        "女儿": [["nǚ"], ["ér"]],
        "坏的": [["huài"]],  # one reading for two characters: left out
    }
    source.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    words = Lexicon(source)
    assert len(words) == 4
    assert words.readings(["银行", "银行行长", "行长", "女儿", "坏的", "没有这个"]) == [
        "yin2 hang2",
        "yin2 hang2 hang2 zhang3",
        "hang2 zhang3",
        "nv3 er2",
        None,
        None,
    ]
    assert words.reading("行") is None and words.readings([]) == []


def test_segmentation_takes_the_longest_phrase_at_each_position():
    words = lexicon()
    assert words.segment("银行行长重新开会") == ["银行", "行长", "重新", "开会"]
    assert words.words("重新开会") == [("重新", ["chong2", "xin1"]), ("开会", ["kai1", "hui4"])]
    assert words.segment("") == [] and words.words("龘") == [("龘", [words.read("龘")[0]])]
    assert next(w for w in words.segment("中华人民共和国成立了") if len(w) > 1) == "中华人民共和国"


def test_single_characters_read_their_usual_reading():
    assert lexicon().read("好人") == ["hao3", "ren2"]
    assert lexicon().read("\ue000") == [""]  # no reading at all


def test_the_split_with_fewer_words_wins_and_backward_breaks_a_tie():
    words = lexicon()
    # Forward matching takes 把头 (a foreman): 她|把头|发|扎; backward finds 头发.
    assert words.segment("她把头发扎了起来")[:3] == ["她", "把", "头发"]
    assert words.segment("结婚的和尚未结婚的") == ["结婚", "的", "和尚", "未", "结婚", "的"]


def test_corrections_replace_a_phrase_or_add_it(tmp_path):
    source = tmp_path / "phrases.json"
    source.write_text(json.dumps({"还款": [["hái"], ["kuǎn"]]}, ensure_ascii=False), encoding="utf-8")
    words = Lexicon(source, fixed={"还款": ("huan2", "kuan3"), "支行": ("zhi1", "hang2")})
    assert words.readings(["还款", "支行"]) == ["huan2 kuan3", "zhi1 hang2"]
    assert lexicon().reading("还款") == "huan2 kuan3"  # the shipped corrections


def test_words_the_file_lacks_are_added_with_their_characters_readings(tmp_path):
    source = tmp_path / "phrases.json"
    source.write_text(json.dumps({"头发": [["tóu"], ["fà"]]}, ensure_ascii=False), encoding="utf-8")
    words = Lexicon(source, words=["眼睛", "头发"])
    assert words.readings(["眼睛", "头发"]) == ["yan3 jing1", "tou2 fa4"]  # the file's reading stands
    assert words.segment("他的眼睛") == ["他", "的", "眼睛"]
