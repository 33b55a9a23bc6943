"""The embedded engine: the graph fix, real audio, determinism, bounded vocoder windows."""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema

from app.engines.base import Style
from app.engines.embedded import ACOUSTIC_MODEL, VOCODER_WINDOW, EmbeddedEngine, locate_assets
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


def test_long_mels_are_vocoded_in_windows_without_audible_seams(engine):
    ids = engine.phone_ids("这是一个用来检查分段声码器拼接效果的比较长的句子我们希望听不出任何接缝也不能有咔嗒声")
    mel = engine._mel(ids, 1.0, 1.0)
    assert mel.shape[1] > 2 * VOCODER_WINDOW
    windowed = engine._vocode(mel)
    whole = engine._vocode_window(mel)
    assert windowed.shape == whole.shape
    assert np.sqrt(np.mean((windowed - whole) ** 2)) < 1e-3
    assert np.abs(windowed - whole).max() < 0.05
    np.testing.assert_allclose(windowed, whole, rtol=0, atol=1e-6)  # the context makes the seams exact


def test_nothing_to_say_gives_empty_audio(engine):
    assert engine.synthesize("😀", Style("baker")).audio.size == 0


def test_subband_synthesis_in_numpy_matches_the_original_graph(engine):
    from ai_edge_litert.interpreter import Interpreter

    from app.engines.embedded import VOCODER_MODEL

    original = Interpreter(model_path=str(locate_assets() / VOCODER_MODEL), num_threads=1)
    mel = engine._mel(engine.phone_ids("声码器的最后一步在图外完成。"), 1.0, 1.0)
    original.resize_tensor_input(0, list(mel.shape))
    original.allocate_tensors()
    original.set_tensor(original.get_input_details()[0]["index"], mel)
    original.invoke()
    expected = original.get_tensor(original.get_output_details()[0]["index"])[0, :, 0]
    assert np.abs(engine._vocode_window(mel) - expected).max() < 1e-5


@pytest.mark.parametrize("frames", [1, 5, 9, 15])
def test_very_short_mels_are_vocoded(engine, frames):
    mel = engine._mel(engine.phone_ids("啊"), 1.0, 1.0)[:, :frames]
    assert engine._vocode_window(mel).shape == (frames * 300,)


def test_one_syllable_at_the_fastest_tempo(service):
    from app.synthesis import SynthesisRequest

    assert service.synthesize(SynthesisRequest("啊", speed=2.0, emotion="fear", intensity=2.0)).duration > 0.05


def test_the_polyphase_subband_synthesis_equals_upsampling_and_filtering(engine):
    synthesis = engine._subband_synthesis
    subbands = np.random.default_rng(0).integers(-128, 128, size=(1234, 4)).astype(np.int8)
    direct = synthesis.direct(synthesis.dequantised(subbands)) + np.float32(synthesis.bias)
    np.testing.assert_allclose(synthesis(subbands), direct, rtol=0, atol=1e-6)
