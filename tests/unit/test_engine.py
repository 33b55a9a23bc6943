"""The embedded engine: the graph fix, real audio, determinism (the vocoder: test_vocoder.py)."""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema

from app.engines.base import Style
from app.engines.embedded import ACOUSTIC_MODEL, EmbeddedEngine, locate_assets
from app.engines.tflite_graph import RANDOM_OP, remove_random_dropout
from app.text.normalize import normalize
from tests.audio_checks import rms, speech_fraction


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()


def _ops(model_bytes: bytes) -> list[str]:
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    names = []
    for op in model.subgraphs[0].operators:
        code = model.operatorCodes[op.opcodeIndex]
        names.append(code.customCode.decode() if code.customCode else str(code.builtinCode))
    return names


def test_graph_fix_removes_both_random_dropout_blocks():
    original = (locate_assets() / ACOUSTIC_MODEL).read_bytes()
    fixed = remove_random_dropout(original)
    before, after = _ops(original), _ops(fixed)
    assert before.count(RANDOM_OP) == 2
    assert RANDOM_OP not in after
    assert len(before) - len(after) == 12  # two blocks of six ops


def test_graph_fix_leaves_a_model_without_random_ops_unchanged():
    fixed = remove_random_dropout((locate_assets() / ACOUSTIC_MODEL).read_bytes())
    assert remove_random_dropout(fixed) is fixed


def test_speech_is_24khz_and_not_silent(engine):
    audio = engine.synthesize(normalize("今天天气很好，我们去公园散步吧。"), Style("baker")).audio
    assert engine.sample_rate == 24000
    assert audio.dtype == np.float32
    assert 2.0 < len(audio) / 24000 < 5.0
    assert rms(audio) > 0.02
    assert speech_fraction(audio, 24000) > 0.5
    assert np.abs(audio).max() <= 1.0


def test_output_is_deterministic(engine):
    text = normalize("同样的输入，得到同样的声音。")
    first = engine.synthesize(text, Style("baker")).audio
    second = engine.synthesize(text, Style("baker")).audio
    assert np.array_equal(first, second)


def test_duration_grows_in_proportion_to_text(engine):
    one = len(engine.synthesize("我们一起去公园散步", Style("baker")).audio)
    three = len(engine.synthesize("我们一起去公园散步" * 3, Style("baker")).audio)
    assert 2.4 < three / one < 3.3


def test_nothing_to_say_gives_empty_audio(engine):
    assert engine.synthesize("😀", Style("baker")).audio.size == 0


def test_one_syllable_at_the_fastest_tempo(service):
    from app.synthesis import SynthesisRequest

    assert service.synthesize(SynthesisRequest("啊", speed=2.0, emotion="fear", intensity=2.0)).duration > 0.05
