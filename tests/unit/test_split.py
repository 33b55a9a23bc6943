"""Sentence splitting keeps every piece within the length cap and keeps all the text."""

from app.text.split import PAUSE_CLAUSE, PAUSE_PARAGRAPH, PAUSE_SENTENCE, speakable_length, split_sentences


def test_splits_on_chinese_and_ascii_sentence_punctuation():
    pieces = split_sentences("你好。今天怎么样？很好!Yes. 再见；回头见", max_chars=40)
    assert [p.text for p in pieces] == ["你好。", "今天怎么样？", "很好!", "Yes.", "再见；", "回头见"]
    assert all(p.pause_after == PAUSE_SENTENCE for p in pieces)


def test_newlines_end_paragraphs_with_a_longer_pause():
    pieces = split_sentences("第一段\n\n第二段", max_chars=40)
    assert [(p.text, p.pause_after) for p in pieces] == [("第一段", PAUSE_PARAGRAPH), ("第二段", PAUSE_SENTENCE)]


def test_long_sentences_are_split_at_commas_then_hard_split():
    text = "一二三四五六七八九十，" * 5 + "甲" * 25 + "。"
    pieces = split_sentences(text, max_chars=20)
    assert all(speakable_length(p.text) <= 20 for p in pieces)
    assert "".join(p.text for p in pieces) == text
    assert pieces[0].pause_after == PAUSE_CLAUSE
    assert pieces[-1].pause_after == PAUSE_SENTENCE


def test_pieces_without_anything_to_say_are_dropped():
    assert split_sentences("。。！\n\n……", max_chars=40) == []
