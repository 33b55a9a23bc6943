"""Planning: spans and breaks → engine calls with their pauses, edge trims and styles."""

from __future__ import annotations

from app.audio.prosody import user_prosody
from app.engines import Style
from app.synthesis.plan import plan_pieces
from app.text.ssml import Span, parse


def _style(span: Span) -> Style:
    change = span.prosody
    return Style(voice="v", prosody=user_prosody(change.rate, change.pitch, change.volume))


def test_plan_breaks_replace_pauses_and_trim_edges():
    doc = parse('<speak><break time="200ms"/>你好。<break time="500ms"/><break time="250ms"/>再见</speak>')
    pieces = plan_pieces(doc.items, _style, 40)
    assert [(p.text, p.pause_after, p.trim_start, p.trim_end) for p in pieces] == [
        ("", 0.2, False, True),
        ("你好。", 0.75, True, True),
        ("再见", 0.0, True, False),
    ]


def test_plan_styles_follow_spans():
    doc = parse('<speak>正常<prosody rate="slow">慢一点</prosody></speak>')
    pieces = plan_pieces(doc.items, _style, 40)
    assert [p.style.prosody.tempo for p in pieces] == [1.0, 0.8]
    assert pieces[0].pause_after == 0.0  # the sentence goes on: no pause where the delivery changes
    ended = plan_pieces(parse('<speak>正常。<prosody rate="slow">慢一点</prosody></speak>').items, _style, 40)
    assert ended[0].pause_after > 0
