"""The users' pronunciation lexicon: the file format, its errors, and aliases applied by normalisation."""

import pytest

from app.text.normalize import normalize, normalize_with_offsets
from app.text.user_lexicon import MAX_REQUEST_ENTRIES, LexiconError, UserLexicon

FILE = """\
# HuaYin deployment lexicon
银行行长 yin2 hang2 hang2 zhang3
HuaYin 华音   # the product name
CEO C E O

重庆 chong2 qing4
"""


def test_the_file_format_gives_pinyin_and_alias_entries():
    lexicon = UserLexicon.parse(FILE)
    assert len(lexicon) == 4
    assert lexicon.pinyin["银行行长"] == ("yin2", "hang2", "hang2", "zhang3")
    assert lexicon.get("HuaYin").alias == "华音"
    assert lexicon.get("CEO").alias == "C E O"


def test_a_later_line_replaces_an_earlier_one():
    assert UserLexicon.parse("行 xing2\n行 hang2").pinyin["行"] == ("hang2",)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("银行 yin2\n", 1, "2 characters but 1 syllables"),
        ("# ok\n\n银行 yin2 hang9\n", 3, "not a pinyin syllable"),
        ("好 hao3\n银行\n", 2, "has no reading"),
        ("银行 yin2 hxng2\n", 1, "not a pinyin syllable"),
        ("ABC ei1 bi4 xi1\n", 1, "write an alias"),
    ],
)
def test_a_bad_entry_names_its_line(text, line, reason):
    with pytest.raises(LexiconError) as caught:
        UserLexicon.parse(text, source="lexicon.txt")
    assert caught.value.line == line
    assert f"lexicon.txt line {line}:" in str(caught.value)
    assert reason in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_missing_file_is_a_lexicon_error(tmp_path):
    with pytest.raises(LexiconError, match="cannot read"):
        UserLexicon.load(tmp_path / "absent.txt")


def test_per_request_entries_use_the_same_rules_and_are_bounded():
    lexicon = UserLexicon.from_mapping({"华音": "hua2 yin1", "TTS": "文字转语音"})
    assert lexicon.pinyin["华音"] == ("hua2", "yin1")
    with pytest.raises(LexiconError, match="entry line 1"):
        UserLexicon.from_mapping({"华音": "hua2"})
    with pytest.raises(LexiconError, match="at most"):
        UserLexicon.from_mapping({f"词{i}": "ci2" for i in range(MAX_REQUEST_ENTRIES + 1)})


def test_request_entries_override_the_files():
    merged = UserLexicon.parse(FILE).merged(UserLexicon.from_mapping({"HuaYin": "花音"}))
    assert merged.get("HuaYin").alias == "花音"
    assert merged.pinyin["重庆"] == ("chong2", "qing4")


def test_aliases_are_applied_before_numbers_and_only_to_whole_latin_words():
    lexicon = UserLexicon.parse("HuaYin 华音\nA380 空客三八零\nCEO C E O")
    assert normalize("欢迎使用HuaYin", lexicon=lexicon) == "欢迎使用华音"
    assert normalize("A380降落", lexicon=lexicon) == "空客三八零降落"
    assert normalize("CEOs", lexicon=lexicon) == "CEOs"
    assert normalize("HuaYin", lexicon=None) == "HuaYin"


def test_an_alias_is_one_chunk_over_its_word():
    lexicon = UserLexicon.parse("HuaYin 华音")
    chunks = normalize_with_offsets("用HuaYin", lexicon=lexicon)
    assert [(c.spoken, c.start, c.end) for c in chunks] == [("用", 0, 1), ("华音", 1, 7)]
