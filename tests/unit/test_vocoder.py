"""The vocoder: windows that join seamlessly, the same audio whether or not it is spread over
cores, ONNX Runtime against LiteRT, and the core claims that decide when work is spread."""

from __future__ import annotations

import gc
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from app.cores import CoreClaims
from app.engines.embedded import WIDE_MAX_SYMBOLS, EmbeddedEngine, locate_assets
from app.engines.vocoder import (
    LONGEST_WINDOW,
    MIN_PART_FRAMES,
    SAMPLES_PER_FRAME,
    VOCODER_CONTEXT,
    Vocoder,
    load_vocoder,
    plan_windows,
)

LONG_TEXT = "这是一个用来检查分段声码器拼接效果的比较长的句子我们希望听不出任何接缝也不能有咔嗒声"
ONE_STEP = 0.01  # the audio of one int8 step of one sub-band is at most ~0.008


def assert_same_audio(a: np.ndarray, b: np.ndarray) -> None:
    """Equal but for the rare int8 value that float rounding tips over a boundary, by one step."""
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= ONE_STEP
    assert np.mean(a != b) < 0.01


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()


@pytest.fixture(scope="module")
def long_mel(engine) -> np.ndarray:
    mel = engine._mel(engine.phone_ids(LONG_TEXT), 1.0, 1.0)
    assert mel.shape[1] > 2 * LONGEST_WINDOW["litert"]
    return mel


@pytest.fixture()
def claims(tmp_path) -> CoreClaims:
    return CoreClaims(2, tmp_path / "cores")


@pytest.fixture()
def spread(claims) -> Vocoder:
    return Vocoder(*load_vocoder(locate_assets()), lanes=2, claims=claims)


@pytest.mark.parametrize("frames", [1, 31, 64, 200, 256, 257, 258, 448, 449, 600, 1999])
@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize("longest", sorted(set(LONGEST_WINDOW.values())))
def test_windows_cover_the_mel_once_and_stay_bounded(frames, parts, longest):
    windows = plan_windows(frames, parts, longest)
    assert windows[0].start == 0 and windows[-1].stop == frames
    assert all(a.stop == b.start for a, b in itertools.pairwise(windows))
    assert all(w.hi - w.lo <= longest for w in windows)
    assert all(w.lo == max(0, w.start - VOCODER_CONTEXT) for w in windows)
    assert all(w.hi == min(frames, w.stop + VOCODER_CONTEXT) for w in windows)
    lengths = [w.stop - w.start for w in windows]
    assert max(lengths) - min(lengths) <= 1  # balanced
    usable = max(1, min(parts, frames // MIN_PART_FRAMES))
    assert len(windows) % usable == 0
    if usable > 1:
        assert min(lengths) >= MIN_PART_FRAMES


@pytest.mark.parametrize("runtime", ["onnxruntime", "litert"])
def test_a_sentence_up_to_the_window_is_one_call_when_not_spread(runtime):
    longest = LONGEST_WINDOW[runtime]
    assert len(plan_windows(longest, 1, longest)) == 1
    assert len(plan_windows(longest + 1, 1, longest)) == 2


@pytest.mark.parametrize("runtime", ["onnxruntime", "litert"])
def test_long_mels_vocoded_in_windows_equal_one_full_call(long_mel, runtime):
    vocoder = Vocoder(*load_vocoder(locate_assets()), runtime=runtime)
    assert vocoder.runtime == runtime
    windowed, whole = vocoder.render(long_mel), vocoder.render_whole(long_mel)
    assert windowed.shape == (long_mel.shape[1] * SAMPLES_PER_FRAME,)
    assert_same_audio(windowed, whole)


def test_onnx_runtime_and_litert_give_the_same_audio(engine):
    onnx = Vocoder(*load_vocoder(locate_assets()), runtime="onnxruntime")
    litert = Vocoder(*load_vocoder(locate_assets()), runtime="litert")
    for text in ("你好。", "今天天气很好，我们去公园散步吧。", LONG_TEXT):
        mel = engine._mel(engine.phone_ids(text), 1.0, 1.0)
        assert_same_audio(onnx.render(mel), litert.render(mel))


def test_the_converted_graph_is_a_valid_onnx_model():
    onnx = pytest.importorskip("onnx")  # a test tool only: the service writes the bytes itself

    from app.engines.onnx_vocoder import to_onnx

    model = onnx.load_model_from_string(to_onnx(load_vocoder(locate_assets())[0]))
    onnx.checker.check_model(model, full_check=True)
    assert {n.op_type for n in model.graph.node} <= {
        "Transpose", "Conv", "ConvTranspose", "Add", "LeakyRelu", "Tanh", "Slice", "Concat", "QuantizeLinear",
    }  # fmt: skip


def test_a_graph_the_converter_does_not_know_runs_on_litert(caplog):
    from app.engines.tflite_graph import split_subband_synthesis
    from app.engines.vocoder import VOCODER_MODEL

    # Without the XNNPACK rewrite the graph still has MIRROR_PAD, which has no ONNX mapping here.
    model, synthesis = split_subband_synthesis((locate_assets() / VOCODER_MODEL).read_bytes())
    vocoder = Vocoder(model, synthesis, runtime="onnxruntime")
    assert vocoder.runtime == "litert"
    assert "MIRROR_PAD" in caplog.text


@pytest.mark.parametrize("frames", [20, 100, 258, None])
def test_spreading_over_idle_cores_gives_the_same_samples(engine, spread, long_mel, frames):
    mel = np.ascontiguousarray(long_mel[:, :frames])
    before = spread.spread
    assert_same_audio(spread.render(mel), engine.vocoder.render(mel))
    assert spread.spread == before + (mel.shape[1] >= 2 * MIN_PART_FRAMES)


def _hold_cores(directory, cores: int) -> subprocess.Popen:
    """Another process that claims ``cores`` cores and keeps them until it is killed."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from app.cores import CoreClaims
        with CoreClaims({cores}, Path({str(directory)!r})).claim({cores}) as held:
            print(held, flush=True)
            time.sleep(600)
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert holder.stdout.readline().strip() == str(cores)
    return holder


def test_nothing_is_spread_while_other_processes_keep_the_cores_busy(engine, spread, claims, long_mel, tmp_path):
    holder = _hold_cores(tmp_path / "cores", 2)
    try:
        assert claims.busy() == 2
        before = spread.spread
        assert_same_audio(spread.render(long_mel), engine.vocoder.render(long_mel))
        assert spread.spread == before
    finally:
        holder.kill()
        holder.wait()


def test_once_a_core_was_found_busy_nothing_is_spread_for_a_while(engine, spread, claims, long_mel, tmp_path):
    holder = _hold_cores(tmp_path / "cores", 2)
    try:
        spread.render(long_mel)
    finally:
        holder.kill()
        holder.wait()
    before = spread.spread
    assert_same_audio(spread.render(long_mel), engine.vocoder.render(long_mel))  # the cores are free again
    assert spread.spread == before
    with claims.spare(1) as free:
        assert free == 0 and claims.busy() == 0  # nothing is claimed meanwhile


def test_fastspeech2_runs_on_the_idle_cores_only_for_short_inputs_and_reads_the_same(engine, claims, tmp_path):
    wide = EmbeddedEngine(1, 2, claims)
    ids = engine.phone_ids("今天天气很好，我们去公园散步吧。")
    assert len(ids) <= WIDE_MAX_SYMBOLS < len(engine.phone_ids(LONG_TEXT))
    with wide._acoustic_interpreter(len(ids)) as interpreter:
        assert interpreter is wide._acoustic_wide and claims.busy() == 1  # held for the call
    with wide._acoustic_interpreter(WIDE_MAX_SYMBOLS + 1) as interpreter:  # its memory grows with the input
        assert interpreter is wide._acoustic and claims.busy() == 0
    mel, frames = wide._acoustic_pass(ids, 1.0, 1.0)
    holder = _hold_cores(tmp_path / "cores", 2)
    try:
        with wide._acoustic_interpreter(len(ids)) as interpreter:
            assert interpreter is wide._acoustic
    finally:
        holder.kill()
        holder.wait()
    with wide._acoustic_interpreter(len(ids)) as interpreter:  # the cores were busy a moment ago
        assert interpreter is wide._acoustic and claims.busy() == 0  # and none is claimed for nothing
    alone_mel, alone_frames = engine._acoustic_pass(ids, 1.0, 1.0)
    np.testing.assert_array_equal(frames, alone_frames)  # the timings never depend on the load
    np.testing.assert_array_equal(mel, alone_mel)


def test_a_killed_process_leaves_no_core_claimed(claims, tmp_path):
    holder = _hold_cores(tmp_path / "cores", 1)
    assert claims.busy() == 1
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert claims.busy() == 0


def test_threads_of_one_process_claim_cores_from_each_other(claims):
    with claims.claim() as first, claims.claim(2) as second, claims.claim() as third:
        assert (first, second, third) == (1, 1, 0)
    assert claims.busy() == 0


def test_without_a_usable_directory_no_core_is_ever_claimed(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    claims = CoreClaims(2, blocked / "cores")
    assert not claims.shared
    with claims.claim(2) as free:
        assert free == 0


def test_an_error_on_a_helper_thread_reaches_the_caller_and_the_vocoder_recovers(spread, long_mel):
    wrong = np.zeros((1, 200, 79), dtype=np.float32)  # 79 mel bands instead of 80
    with pytest.raises(Exception, match=r"(?i)dimension|shape|invalid"):
        spread.render(wrong)
    assert spread.render(long_mel[:, :200]).shape == (200 * SAMPLES_PER_FRAME,)


def _threads() -> int:
    """OS threads of this process, once the helpers of vocoders freed earlier have ended."""
    gc.collect()
    counts = []
    while len(counts) < 5 or len(set(counts[-5:])) > 1:
        counts.append(len(os.listdir("/proc/self/task")))
        time.sleep(0.02)
    return counts[-1]


def test_helper_threads_end_with_their_vocoder():
    before = _threads()
    vocoder = Vocoder(*load_vocoder(locate_assets()), lanes=3)
    assert _threads() == before + 2
    del vocoder
    assert _threads() == before


@pytest.mark.parametrize("frames", [1, 5, 9, 15])
def test_very_short_mels_are_vocoded(engine, long_mel, frames):
    assert engine.vocoder.render(long_mel[:, :frames]).shape == (frames * SAMPLES_PER_FRAME,)


def test_subband_synthesis_in_numpy_matches_the_original_graph(engine):
    from ai_edge_litert.interpreter import Interpreter

    from app.engines.vocoder import VOCODER_MODEL

    original = Interpreter(model_path=str(locate_assets() / VOCODER_MODEL), num_threads=1)
    mel = engine._mel(engine.phone_ids("声码器的最后一步在图外完成。"), 1.0, 1.0)
    original.resize_tensor_input(0, list(mel.shape))
    original.allocate_tensors()
    original.set_tensor(original.get_input_details()[0]["index"], mel)
    original.invoke()
    expected = original.get_tensor(original.get_output_details()[0]["index"])[0, :, 0]
    litert = Vocoder(*load_vocoder(locate_assets()), runtime="litert")
    assert np.abs(litert.render_whole(mel) - expected).max() < 1e-5


def test_the_polyphase_subband_synthesis_equals_upsampling_and_filtering():
    synthesis = load_vocoder(locate_assets())[1]
    subbands = np.random.default_rng(0).integers(-128, 128, size=(1234, 4)).astype(np.int8)
    direct = synthesis.direct(synthesis.dequantised(subbands)) + np.float32(synthesis.bias)
    # Equal up to float32 rounding: the two sum the same products in different orders, and the
    # order depends on the CPU's BLAS kernels (a few units in the last place, ~1e-6 at 2.0).
    np.testing.assert_allclose(synthesis(subbands), direct, rtol=4e-6, atol=1e-6)


@pytest.mark.parametrize("fan_out", [1, 2, 64])
def test_the_setting_bounds_the_vocoder_interpreters_by_the_cpus(fan_out):
    from app.config import available_cpus, load_settings

    engine = EmbeddedEngine.from_settings(load_settings({"fan_out": fan_out}))
    assert engine.vocoder.lanes == min(fan_out, available_cpus())


def test_numpy_blas_runs_on_the_calling_thread_once_the_vocoder_is_loaded(engine):
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
