"""SSML changes the audio the way each element says (real engine, in process)."""

from __future__ import annotations

import numpy as np
import pytest

from app.synthesis import SynthesisRequest as Request
from tests.audio_checks import f0_stats


def longest_silence(audio: np.ndarray, rate: int) -> float:
    """Longest run of 5 ms frames quieter than -34 dB below the loudest frame, in seconds."""
    frame = rate // 200
    n = len(audio) // frame
    level = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1))
    quiet = level < 0.02 * level.max()
    best = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        best = max(best, run)
    return best * frame / rate


@pytest.mark.parametrize("milliseconds", [300, 500, 1200])
def test_break_inserts_silence_of_the_given_length(service, milliseconds):
    result = service.synthesize(Request(text=f'<speak>今天天气很好<break time="{milliseconds}ms"/>我们去散步</speak>'))
    assert longest_silence(result.audio, result.sample_rate) == pytest.approx(milliseconds / 1000, abs=0.02)


def test_break_strength_orders_pauses(service):
    def gap(strength: str) -> float:
        result = service.synthesize(
            Request(text=f'<speak>今天天气很好<break strength="{strength}"/>我们去散步</speak>')
        )
        return longest_silence(result.audio, result.sample_rate)

    assert gap("weak") < gap("strong") < gap("x-strong")


def test_prosody_rate_changes_duration(service):
    text = "欢迎使用华音中文语音合成服务"
    normal = service.synthesize(Request(text=f"<speak>{text}</speak>")).duration
    slow = service.synthesize(Request(text=f'<speak><prosody rate="slow">{text}</prosody></speak>')).duration
    fast = service.synthesize(Request(text=f'<speak><prosody rate="150%">{text}</prosody></speak>')).duration
    assert slow / normal == pytest.approx(1 / 0.8, rel=0.1)
    assert fast / normal == pytest.approx(1 / 1.5, rel=0.1)


def test_prosody_pitch_and_emotion_markup(service):
    text = "今天天气很好，我们去公园散步吧。"
    low = service.synthesize(Request(text=f'<speak><prosody pitch="-4st">{text}</prosody></speak>'))
    high = service.synthesize(Request(text=f'<speak><prosody pitch="+4st">{text}</prosody></speak>'))
    assert f0_stats(high.audio, high.sample_rate)[0] / f0_stats(low.audio, low.sample_rate)[0] > 1.5
    happy = service.synthesize(Request(text=f'<speak><emotion category="happy">{text}</emotion></speak>'))
    assert np.array_equal(happy.audio, service.synthesize(Request(text=text, emotion="happy")).audio)


def test_phoneme_overrides_pronunciation(service):
    forced = service.synthesize(Request(text='<speak><phoneme alphabet="pinyin" ph="chang2">长</phoneme>大了</speak>'))
    default = service.synthesize(Request(text="<speak>长大了</speak>"))
    same_reading = service.synthesize(Request(text="<speak>常大了</speak>"))  # 常 is chang2
    assert not np.array_equal(forced.audio, default.audio)
    assert np.array_equal(forced.audio, same_reading.audio)


def test_say_as_and_sub_are_spoken_as_written_out(service):
    spelled = service.synthesize(Request(text='<speak><say-as interpret-as="telephone">110</say-as></speak>'))
    assert np.array_equal(spelled.audio, service.synthesize(Request(text="幺幺零")).audio)
    alias = service.synthesize(Request(text='<speak><sub alias="世界卫生组织">WHO</sub></speak>'))
    assert np.array_equal(alias.audio, service.synthesize(Request(text="世界卫生组织")).audio)
