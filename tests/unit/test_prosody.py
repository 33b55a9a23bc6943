"""Emotions and controls change the audio the way they say, measured on the real output."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.effects import soft_limit
from app.audio.prosody import EMOTIONS, Prosody, emotion_prosody
from app.synthesis import SynthesisRequest as Request
from tests.audio_checks import f0_stats, rms

SENTENCE = "今天天气很好，我们去公园散步吧。"


@pytest.fixture(scope="module")
def neutral(service):
    return service.synthesize(Request(SENTENCE)).audio


def speak(service, **kwargs) -> np.ndarray:
    return service.synthesize(Request(SENTENCE, **kwargs)).audio


def test_happy_is_higher_and_livelier_than_sad(service):
    happy_f0, happy_range = f0_stats(speak(service, emotion="happy"), 24000)
    sad_f0, sad_range = f0_stats(speak(service, emotion="sad"), 24000)
    assert happy_f0 > sad_f0 * 1.2
    assert happy_range > sad_range * 1.3


def test_sad_is_slower_and_softer_than_angry(service):
    sad, angry = speak(service, emotion="sad"), speak(service, emotion="angry")
    assert len(sad) > len(angry) * 1.15
    assert rms(angry) > rms(sad) * 1.5


@pytest.mark.parametrize("emotion", [e for e in EMOTIONS if e != "neutral"])
def test_every_emotion_is_audibly_different_from_neutral(service, neutral, emotion):
    audio = speak(service, emotion=emotion)
    f0, spread = f0_stats(audio, 24000)
    base_f0, base_spread = f0_stats(neutral, 24000)
    semitones = abs(12 * np.log2(f0 / base_f0))
    duration_change = abs(len(audio) / len(neutral) - 1)
    assert semitones > 1.0 or duration_change > 0.08 or abs(spread - base_spread) > 1.0


def test_intensity_zero_is_neutral_and_two_is_stronger(service, neutral):
    assert np.array_equal(speak(service, emotion="happy", intensity=0.0), neutral)
    mild, strong = (
        f0_stats(speak(service, emotion="happy", intensity=0.5), 24000)[0],
        f0_stats(speak(service, emotion="happy", intensity=2.0), 24000)[0],
    )
    assert strong > mild * 1.15


def test_pitch_control_moves_f0_by_semitones(service, neutral):
    base = f0_stats(neutral, 24000)[0]
    up = f0_stats(speak(service, pitch=12), 24000)[0]
    down = f0_stats(speak(service, pitch=-6), 24000)[0]
    assert 1.8 < up / base < 2.2
    assert 0.63 < down / base < 0.78


def test_speed_control_changes_duration(service, neutral):
    fast, slow = speak(service, speed=2.0), speak(service, speed=0.5)
    assert 0.4 < len(fast) / len(neutral) < 0.62
    assert 1.7 < len(slow) / len(neutral) < 2.3


def test_volume_control_scales_loudness(service, neutral):
    assert rms(speak(service, volume=0.5)) == pytest.approx(rms(neutral) / 2, rel=0.02)
    assert rms(speak(service, volume=0.0)) == 0.0
    loud = speak(service, volume=2.0)
    assert np.abs(loud).max() <= 1.0
    assert rms(loud) > rms(neutral) * 1.6


def test_intensity_scales_every_part_of_a_preset():
    preset = EMOTIONS["sad"].preset
    double = emotion_prosody("sad", 2.0)
    assert double.pitch_shift == pytest.approx(2 * preset.pitch_shift)
    assert double.tempo == pytest.approx(preset.tempo**2)
    assert emotion_prosody("sad", 0.0) == Prosody()


def test_soft_limiter_keeps_samples_in_range_and_leaves_quiet_audio_alone():
    quiet = np.linspace(-0.5, 0.5, 101, dtype=np.float32)
    assert np.array_equal(soft_limit(quiet), quiet)
    loud = np.linspace(-3, 3, 101, dtype=np.float32)
    limited = soft_limit(loud)
    assert np.abs(limited).max() <= 1.0
    assert np.all(np.diff(limited) >= 0)  # monotonic: no fold-over distortion
