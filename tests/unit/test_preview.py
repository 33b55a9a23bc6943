"""Reading preview: what will be read, the engine's exact syllables, and why."""

from app.text.g2p import to_phrases
from app.text.preview import reading
from app.text.ssml import parse
from app.text.user_lexicon import UserLexicon

TEXT = "银行行长说：验证码是690253。HuaYin这儿好！"


def test_one_entry_per_sentence_with_the_source_and_the_spoken_form():
    sentences = reading(TEXT)
    assert [s.source for s in sentences] == ["银行行长说：验证码是690253。", "HuaYin这儿好！"]
    assert sentences[0].spoken == "银行行长说:验证码是六九零二五三。"
    assert (sentences[1].start, sentences[1].end) == (17, 27)


def test_the_pinyin_is_exactly_what_the_engine_is_fed():
    for sentence in reading(TEXT):
        engine = [s for p in to_phrases(sentence.spoken) for s in p.syllables]
        assert sentence.pinyin == " ".join(engine)
    assert reading("你好")[0].pinyin == "ni2 hao3"  # after tone sandhi
    assert reading("这儿")[0].pinyin == "zhe4 r"


def test_rewritten_numbers_point_at_the_input():
    [first, _] = reading(TEXT)
    [rewrite] = first.rewritten  # the full-width colon made half-width is not shown
    assert (rewrite.start, rewrite.end, rewrite.source, rewrite.spoken) == (10, 16, "690253", "六九零二五三")
    assert TEXT[rewrite.start : rewrite.end] == "690253"


def test_punctuation_after_a_code_is_not_shown_as_rewritten():
    [sentence] = reading("验证码是690253，请拨打110。")
    assert [(r.source, r.spoken) for r in sentence.rewritten] == [("690253", "六九零二五三"), ("110", "幺幺零")]


def test_polyphones_are_listed_with_their_candidates():
    [first, _] = reading(TEXT)
    hang = [p for p in first.polyphones if p.char == "行"]
    assert [(p.start, p.reading) for p in hang] == [(1, "hang2"), (2, "hang2")]
    assert set(hang[0].candidates) == {"hang2", "xing2"}


def test_ruby_covers_the_input_in_order():
    [first, second] = reading(TEXT)
    ruby = first.ruby + second.ruby
    assert "".join(r.text for r in ruby) == TEXT
    assert [(r.text, r.pinyin) for r in first.ruby if r.rewritten] == [("690253", "liu4 jiu3 ling2 er4 wu3 san1")]
    assert [(r.text, r.pinyin) for r in second.ruby][:3] == [
        ("HuaYin", "ai2 qi1 you1 ei1 wai4 ai4 en1"),
        ("这", "zhe4"),
        ("儿", "r"),
    ]


def test_a_user_alias_shows_as_a_rewrite_and_its_reading():
    [_, second] = reading(TEXT, lexicon=UserLexicon.parse("HuaYin 华音"))
    assert second.spoken == "华音这儿好!"
    assert second.ruby[0].text == "HuaYin"
    assert second.ruby[0].pinyin == "hua2 yin1"


def test_ssml_phoneme_readings_are_previewed_as_given():
    document = parse('<speak>去<phoneme alphabet="pinyin" ph="chong2 qing4">重庆</phoneme>玩</speak>')
    [span] = document.items
    [sentence] = reading(span.text, readings=document.readings)
    assert sentence.pinyin == "qu4 chong2 qing4 wan2"
