"""Timings: the time maps of a Timeline, subtitles, source mapping and planning (in process)."""

from __future__ import annotations

import io

import pytest
import srt
import webvtt

from app.audio.subtitles import cues, to_srt, to_vtt
from app.audio.timeline import CHAR, MARK, PAUSE, Segment, Timeline
from app.engines import Style
from app.synthesis.plan import plan_pieces
from app.synthesis.render import to_document
from app.text.ssml import is_break_placeholder, parse
from tests.unit.test_sambert import StandInPipeline, model_dir, sambert_app  # noqa: F401 - fixture

RATE = 24_000


def _timeline() -> Timeline:
    return Timeline(
        RATE,
        48_000,
        (
            Segment(CHAR, "你", 2_400, 9_600, (0, 1)),
            Segment(PAUSE, "，", 9_600, 14_400, (1, 2)),
            Segment(CHAR, "好", 14_400, 24_000, (2, 3)),
            Segment(MARK, "m", 24_000, 24_000, (3, 4)),
        ),
    )


def _times(timeline: Timeline) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in timeline.segments]


def test_world_tempo_divides_every_time_by_the_tempo():
    scaled = _timeline().scaled(1.25, 38_500)
    assert _times(scaled) == [(1_920, 7_680), (7_680, 11_520), (11_520, 19_200), (19_200, 19_200)]
    assert scaled.length == 38_500


def test_trimming_shifts_times_and_clips_them_to_the_kept_audio():
    cropped = _timeline().cropped(4_800, 20_000)
    assert cropped.length == 15_200
    assert _times(cropped) == [(0, 4_800), (4_800, 9_600), (9_600, 15_200), (15_200, 15_200)]


def test_a_pause_appended_is_labelled_and_joins_shift_by_the_audio_before():
    one = _timeline().padded(4_800, Segment(PAUSE, "", 0, 0))
    assert one.length == 52_800 and _times(one)[-1] == (48_000, 52_800)
    joined = Timeline.joined([one, _timeline()])
    assert joined.length == 100_800
    assert _times(joined)[5] == (52_800 + 2_400, 52_800 + 9_600)


def test_inserting_or_removing_samples_at_a_point_moves_only_what_follows():
    longer = _timeline().edited(12_000, 2_400)
    assert _times(longer)[:3] == [(2_400, 9_600), (9_600, 16_800), (16_800, 26_400)]
    shorter = _timeline().edited(10_000, -2_000)
    assert _times(shorter)[1] == (9_600, 12_400) and shorter.length == 46_000
    cut = _timeline().edited(9_000, -6_000)  # a removed stretch collapses onto the cut point
    assert _times(cut)[:2] == [(2_400, 9_000), (9_000, 9_000)]


def test_resampling_scales_times_to_the_new_rate():
    out = _timeline().resampled(16_000)
    assert out.rate == 16_000 and out.length == 32_000
    assert _times(out)[:2] == [(1_600, 6_400), (6_400, 9_600)]
    assert _timeline().resampled(RATE) == _timeline()


def test_touching_pauses_merge_keeping_the_punctuation_label():
    timeline = Timeline(
        RATE,
        300,
        (Segment(PAUSE, "。", 0, 100, (5, 6)), Segment(PAUSE, "", 100, 200), Segment(PAUSE, "", 200, 300)),
    )
    assert timeline.merged_pauses().segments == (Segment(PAUSE, "。", 0, 300, (5, 6)),)


def test_rewritten_spans_become_one_timing_with_their_source_span():
    doc_text = "2024年"
    piece = plan_pieces(parse(f"<speak>{doc_text}</speak>").items, lambda _: Style("v"), 40)[0]
    assert piece.text == "二零二四年"
    segments = [Segment(CHAR, ch, i * 10, i * 10 + 10, (i, i + 1)) for i, ch in enumerate(piece.text)]
    mapped = to_document(Timeline(RATE, 50, tuple(segments)), piece).segments
    assert [(s.source, s.start, s.end) for s in mapped] == [((0, 4), 0, 40), ((4, 5), 40, 50)]


def test_a_break_inside_a_sentence_stays_in_one_piece_but_not_after_a_sentence_end():
    doc = parse('<speak>你好<break time="800ms"/>世界。再见<break time="300ms"/>明天</speak>')
    pieces = plan_pieces(doc.items, lambda _: Style("v"), 40, inline=True)
    assert len(pieces) == 2
    assert is_break_placeholder(pieces[0].text[2]) and pieces[0].text.endswith("世界。")
    assert sorted(pieces[0].style.breaks.values()) == [0.3, 0.8]
    assert [doc.text[a:b] for a, b in pieces[1].sources] == ["再", "见", "", "明", "天"]
    ended = parse('<speak>你好。<break time="800ms"/>世界</speak>')
    assert [p.text for p in plan_pieces(ended.items, lambda _: Style("v"), 40, inline=True)] == ["你好。", "世界"]


def test_subtitles_cut_at_pauses_and_long_clauses_into_near_equal_lines():
    text = "今天天气很好，" + "我" * 25
    segments = [Segment(CHAR, ch, i * 2400, i * 2400 + 2400, (i, i + 1)) for i, ch in enumerate(text) if ch != "，"]
    segments.insert(6, Segment(PAUSE, "，", 6 * 2400, 7 * 2400, (6, 7)))
    timeline = Timeline(RATE, len(text) * 2400, tuple(segments))
    items = cues(timeline, text)
    assert [c.text for c in items] == ["今天天气很好", "我" * 13, "我" * 12]
    parsed = list(srt.parse(to_srt(items)))
    assert [p.content for p in parsed] == [c.text for c in items]
    assert parsed[0].start.total_seconds() == 0.0 and parsed[0].end.total_seconds() == pytest.approx(0.6)
    vtt = webvtt.from_buffer(io.StringIO(to_vtt(items)))
    assert [c.text for c in vtt] == [c.text for c in items]


def test_engines_without_timings_refuse_timestamps_clearly(model_dir):  # noqa: F811 - the fixture
    client = sambert_app(model_dir, StandInPipeline())
    for body in ({"timestamps": True}, {"subtitles": "srt"}):
        response = client.post("/tts", json={"text": "你好。", **body})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "timestamps_unsupported"
