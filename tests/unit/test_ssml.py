"""SSML parsing: what each element turns into, and what is refused."""

from __future__ import annotations

import math

import pytest

from app.text import ssml
from app.text.g2p import to_phrases
from app.text.ssml import Break, ProsodyChange, Span, SSMLError, is_ssml, parse


def spans(doc: ssml.Document) -> list[Span]:
    return [i for i in doc.items if isinstance(i, Span)]


def test_detection():
    assert is_ssml("<speak>你好</speak>")
    assert is_ssml('  <?xml version="1.0"?>\n<speak version="1.0">你好</speak>')
    assert is_ssml('<!DOCTYPE speak [<!ENTITY a "b">]><speak>&a;</speak>')
    assert not is_ssml("你好<speak>")
    assert not is_ssml("<speaker>你好</speaker>")


def test_plain_speak_with_namespace():
    namespace = "http://www.w3.org/2001/10/synthesis"
    doc = parse(f'<speak xmlns="{namespace}" version="1.0" xml:lang="zh-CN">你好，世界。</speak>')
    assert doc.items == [Span("你好，世界。")]


def test_break_time_and_strength():
    doc = parse('<speak>一<break time="500ms"/>二<break time="1.5s"/>三<break strength="strong"/>四<break/>五</speak>')
    assert [i.seconds for i in doc.items if isinstance(i, Break)] == [0.5, 1.5, 0.7, 0.4]
    assert [s.text for s in spans(doc)] == ["一", "二", "三", "四", "五"]


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ('rate="slow"', ProsodyChange(rate=0.8)),
        ('rate="150%"', ProsodyChange(rate=1.5)),
        ('rate="-20%"', ProsodyChange(rate=0.8)),
        ('rate="1.25"', ProsodyChange(rate=1.25)),
        ('pitch="+3st"', ProsodyChange(pitch=3.0)),
        ('pitch="x-low"', ProsodyChange(pitch=-6.0)),
        ('volume="+6dB"', ProsodyChange(volume=10 ** (6 / 20))),
        ('volume="soft"', ProsodyChange(volume=0.7)),
        ('volume="50"', ProsodyChange(volume=0.5)),
    ],
)
def test_prosody_attributes(attrs, expected):
    (span,) = spans(parse(f"<speak><prosody {attrs}>你好</prosody></speak>"))
    for name in ("rate", "pitch", "volume"):
        assert math.isclose(getattr(span.prosody, name), getattr(expected, name), rel_tol=1e-6, abs_tol=1e-9)


def test_percent_pitch_is_converted_to_semitones():
    (span,) = spans(parse('<speak><prosody pitch="+12.246%">你好</prosody></speak>'))
    assert span.prosody.pitch == pytest.approx(2.0, abs=1e-3)


def test_nested_prosody_combines_and_emotion_scopes():
    doc = parse(
        '<speak>开始<emotion category="happy" intensity="1.5"><prosody rate="fast">快乐'
        '<prosody rate="fast">更快</prosody></prosody></emotion>结束</speak>'
    )
    first, happy, faster, last = spans(doc)
    assert (first.emotion, last.emotion) == (None, None)
    assert (happy.emotion, happy.intensity, happy.prosody.rate) == ("happy", 1.5, 1.25)
    assert faster.prosody.rate == pytest.approx(1.5625)
    assert faster.emotion == "happy"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ('<say-as interpret-as="digits">2024</say-as>', "二 零 二 四"),
        ('<say-as interpret-as="cardinal">2024</say-as>', "两千零二十四"),
        ('<say-as interpret-as="cardinal">-3.5</say-as>', "负三点五"),
        ('<say-as interpret-as="telephone">110</say-as>', "幺幺零"),
        ('<say-as interpret-as="date">2024-05-01</say-as>', "二零二四年五月一日"),
        ('<say-as interpret-as="date" format="md">5/1</say-as>', "五月一日"),
        ('<sub alias="世界卫生组织">WHO</sub>', "世界卫生组织"),
    ],
)
def test_say_as_and_sub(markup, text):
    (span,) = spans(parse(f"<speak>{markup}</speak>"))
    assert span.text.replace("壹", "一") == text.replace("壹", "一")


def test_phoneme_overrides_the_reading():
    doc = parse('<speak><phoneme alphabet="pinyin" ph="chang2">长</phoneme>大了</speak>')
    (span,) = spans(doc)
    (placeholder,) = doc.readings
    assert doc.readings[placeholder].text == "长"
    default = [s for p in to_phrases("长大了") for s in p.syllables]
    overridden = [s for p in to_phrases(span.text, doc.readings) for s in p.syllables]
    assert default[0] == "zhang3"
    assert overridden == ["chang2", *default[1:]]


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("<speak>你好", "malformed"),
        ("<voice>你好</voice>", "root element"),
        ("<speak><audio src='x'/></speak>", "unsupported SSML element <audio>"),
        ('<speak><break time="soon"/></speak>', "duration"),
        ('<speak><break time="11s"/></speak>', "longer than"),
        ('<speak><break strength="huge"/></speak>', "strength"),
        ('<speak><prosody rate="5">快</prosody></speak>', "outside"),
        ('<speak><prosody pitch="200Hz">快</prosody></speak>', "semitones"),
        ('<speak><emotion category="bored">嗯</emotion></speak>', "category"),
        ('<speak><emotion category="sad" intensity="3">嗯</emotion></speak>', "outside 0–2"),
        ('<speak><say-as interpret-as="ordinal">1</say-as></speak>', "interpret-as"),
        ('<speak><say-as interpret-as="cardinal">abc</say-as></speak>', "not a number"),
        ('<speak><phoneme alphabet="ipa" ph="a">啊</phoneme></speak>', "alphabet"),
        ('<speak><phoneme ph="zh@ng">长</phoneme></speak>', "invalid pinyin"),
        ("<speak><sub>WHO</sub></speak>", "alias"),
        ("<speak>" + '嗯<break time="9s"/>' * 7 + "</speak>", "add up to more than"),
    ],
)
def test_errors_say_what_is_wrong(document, complaint):
    with pytest.raises(SSMLError, match=complaint):
        parse(document)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<speak>&lol3;</speak>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><speak>&xxe;</speak>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_are_refused(document):
    with pytest.raises(SSMLError, match="not allowed"):
        parse(document)
