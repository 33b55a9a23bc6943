"""Timestamps, subtitles, marks and exact breaks, through the real service (gunicorn, HTTP)."""

from __future__ import annotations

import base64
import io
import itertools
import json

import numpy as np
import pytest
import requests
import soundfile
import srt
import webvtt

from app.audio.effects import SILENCE_RELATIVE_RMS, frame_rms

pytestmark = pytest.mark.service

TEXT = "今天天气很好，我们去公园散步吧。人工智能技术正在改变我们的生活、工作和学习方式！你觉得呢？"
NUMBERS = "会议定于2024年3月5日14:30开始，门票¥12.5，电话13812345678，气温-5°C，湿度30%。"
TOLERANCE_S = 0.040
PUNCTUATION = set("，。！？、；：")


def timed(url: str, **body) -> dict:
    response = requests.post(url + "/tts", json={"timestamps": True, **body}, timeout=120)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def decoded(document: dict) -> tuple[np.ndarray, int]:
    audio, rate = soundfile.read(io.BytesIO(base64.b64decode(document["audio"])), dtype="float32")
    return audio, rate


def quiet_stretches(audio: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """Low-energy stretches in seconds, by the service's silence rule (5 ms frames under 2 % of the
    loudest), a single loud frame bridged."""
    level, frame = frame_rms(audio, rate)
    runs: list[list[int]] = []
    for i in np.flatnonzero(level < SILENCE_RELATIVE_RMS * level.max()):
        if runs and i - runs[-1][1] <= 1:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a * frame / rate, b * frame / rate) for a, b in runs]


def speech_span(document: dict) -> float:
    spoken = [c for c in document["characters"] if c["text"] not in PUNCTUATION]
    return spoken[-1]["end"] - spoken[0]["start"]


@pytest.mark.parametrize("extra", [{}, {"sample_rate": 16000}, {"emotion": "sad"}, {"speed": 2.0, "emotion": "happy"}])
def test_character_timings_are_monotonic_and_cover_the_audio(live_server, extra):
    document = timed(live_server.url, text=TEXT, **extra)
    audio, rate = decoded(document)
    assert rate == document["sample_rate"] == extra.get("sample_rate", 24000)
    assert document["duration"] == pytest.approx(len(audio) / rate, abs=1e-3)
    characters = document["characters"]
    assert all(c["start"] <= c["end"] for c in characters)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(characters))
    assert abs(document["duration"] - characters[-1]["end"]) <= 0.050
    spoken = "".join(c["text"] for c in characters if c["text"] not in PUNCTUATION)
    assert spoken == "".join(ch for ch in TEXT if ch not in PUNCTUATION)  # every character named once
    assert document["sentences"][0]["text"].startswith("今天天气很好")
    assert all(TEXT[s["offset"] : s["offset"] + s["length"]] == s["text"] for s in document["sentences"])


@pytest.mark.parametrize(
    "extra", [{"speed": 0.7}, {}, {"speed": 1.5}, {"emotion": "sad"}, {"emotion": "happy", "sample_rate": 16000}]
)
def test_each_punctuation_pause_lies_in_a_measured_quiet_stretch(live_server, extra):
    """Also through WORLD's tempo (the emotion presets) and resampling."""
    document = timed(live_server.url, text=TEXT, **extra)
    stretches = quiet_stretches(*decoded(document))
    pauses = [c for c in document["characters"] if c["text"] in PUNCTUATION and c["end"] > c["start"]]
    assert len(pauses) >= 5
    for pause in pauses:
        assert any(a - TOLERANCE_S <= pause["start"] and pause["end"] <= b + TOLERANCE_S for a, b in stretches), (
            f"{pause} is not in a quiet stretch: {stretches}"
        )


def test_timings_scale_with_the_speed(live_server):
    text = "人工智能技术正在深刻地改变我们的生活方式。"
    normal = speech_span(timed(live_server.url, text=text))
    for speed in (0.7, 1.5):
        ratio = speech_span(timed(live_server.url, text=text, speed=speed)) / normal
        assert ratio == pytest.approx(1 / speed, rel=0.03), speed


def test_rewritten_numbers_get_one_timing_pointing_at_their_source(live_server):
    characters = timed(live_server.url, text=NUMBERS)["characters"]
    for c in characters:
        assert NUMBERS[c["offset"] : c["offset"] + c["length"]] == c["text"]
    texts = [c["text"] for c in characters]
    for written in ("2024", "14:30", "¥12.5", "13812345678", "-5°C", "30%"):
        assert written in texts, texts
    twenty = characters[texts.index("2024")]
    assert twenty["offset"] == NUMBERS.index("2024") and twenty["length"] == 4
    assert twenty["end"] - twenty["start"] > 0.4  # 二零二四: four syllables read under one timing


def decoded_with_ffmpeg(document: dict) -> np.ndarray:
    import av

    with av.open(io.BytesIO(base64.b64decode(document["audio"]))) as container:
        return np.concatenate([frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)])


@pytest.mark.parametrize(("fmt", "delay"), [("mp3", 1105), ("aac", 1024)])
def test_mp3_and_aac_timings_include_the_decoder_delay(live_server, fmt, delay):
    wav = timed(live_server.url, text="今天天气很好。")
    coded = timed(live_server.url, text="今天天气很好。", format=fmt)
    for a, b in zip(wav["characters"], coded["characters"], strict=True):
        assert b["start"] == pytest.approx(a["start"] + delay / 24000, abs=1e-3)
    audio = decoded(coded)[0] if fmt == "mp3" else decoded_with_ffmpeg(coded)
    onsets = [int(np.flatnonzero(np.abs(x) > 0.05)[0]) for x in (decoded(wav)[0], audio)]
    assert onsets[1] - onsets[0] == pytest.approx(delay, abs=2)  # what a decoder really plays


@pytest.mark.parametrize("kind", ["srt", "vtt"])
def test_subtitles_parse_with_real_parsers(live_server, kind):
    response = requests.post(live_server.url + "/tts", json={"text": TEXT * 2, "subtitles": kind}, timeout=120)
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    if kind == "srt":
        assert response.headers["Content-Type"].startswith("application/x-subrip")
        items = [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in srt.parse(body)]
    else:
        assert response.headers["Content-Type"].startswith("text/vtt")
        items = [(c.start_in_seconds, c.end_in_seconds, c.text) for c in webvtt.from_buffer(io.StringIO(body))]
    assert len(items) >= 8
    assert all(len(text) <= 20 and text in TEXT for _, _, text in items)
    assert all(start < end for start, end, _ in items)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(items))


def test_a_break_inside_a_sentence_adds_its_time(live_server):
    def duration(text: str) -> float:
        return timed(live_server.url, text=text)["duration"]

    plain = duration("你好世界")
    assert duration('<speak>你好<break time="800ms"/>世界</speak>') - plain == pytest.approx(0.8, abs=0.050)
    assert duration('<speak>你好<break strength="x-strong"/>世界</speak>') - plain == pytest.approx(1.0, abs=0.050)
    document = timed(live_server.url, text='<speak>你好<break time="800ms"/>世界</speak>')
    hao, shi = document["characters"][1], document["characters"][2]
    assert (hao["text"], shi["text"]) == ("好", "世")
    assert shi["start"] - hao["end"] == pytest.approx(0.8, abs=0.1)


def test_ssml_marks_get_the_time_of_the_next_character(live_server):
    document = timed(live_server.url, text='<speak>你好<mark name="here"/>世界<mark name="end"/></speak>')
    characters = document["characters"]
    assert [c["text"] for c in characters] == ["你", "好", "世", "界"]
    assert document["marks"] == [
        {"name": "here", "time": characters[2]["start"]},
        {"name": "end", "time": characters[3]["end"]},
    ]


def test_streamed_timestamps_are_json_lines_with_the_audio_in_order(live_server):
    response = requests.post(
        live_server.url + "/tts",
        json={"text": TEXT, "timestamps": True, "stream": True, "format": "pcm"},
        timeout=120,
        stream=True,
    )
    assert response.headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.iter_lines() if line]
    assert lines[-1]["done"] is True and len(lines) >= 3
    pcm = b"".join(base64.b64decode(line["audio"]) for line in lines)
    duration = len(pcm) / 2 / 24000
    assert lines[-1]["duration"] == pytest.approx(duration, abs=1e-3)
    characters = [c for line in lines[:-1] for c in line["characters"]]
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(characters))
    assert characters[-1]["end"] == pytest.approx(duration, abs=0.050)
    assert "".join(s["text"] for line in lines[:-1] for s in line["sentences"]).startswith("今天天气很好")


def test_openai_sdk_gets_timestamps_through_extra_body(live_server):
    from openai import OpenAI

    client = OpenAI(base_url=live_server.url + "/v1", api_key="unused")
    plain = client.audio.speech.create(model="tts-1", voice="alloy", input="你好世界。")
    assert plain.response.headers["Content-Type"] == "audio/mpeg"
    timed_response = client.audio.speech.create(
        model="tts-1", voice="alloy", input="你好世界。", extra_body={"timestamps": True}
    )
    document = json.loads(timed_response.content)
    assert [c["text"] for c in document["characters"]][:4] == ["你", "好", "世", "界"]
    assert base64.b64decode(document["audio"]) == plain.content  # the same audio, with its timings
