"""The MB-MelGAN rewrite for XNNPACK changes nothing in what the vocoder computes."""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from app.engines.embedded import EmbeddedEngine, locate_assets
from app.engines.tflite_graph import split_subband_synthesis
from app.engines.vocoder import VOCODER_MODEL, load_vocoder


def run(model: bytes, mel: np.ndarray) -> np.ndarray:
    interpreter = Interpreter(model_content=model, num_threads=1)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, list(mel.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, mel)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def op_names(model: bytes) -> set[str]:
    parsed = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    codes = parsed.operatorCodes
    return {names[max(codes[op.opcodeIndex].builtinCode, codes[op.opcodeIndex].deprecatedBuiltinCode)]
            for op in parsed.subgraphs[0].operators}  # fmt: skip


@pytest.fixture(scope="module")
def mel() -> np.ndarray:
    engine = EmbeddedEngine()
    text = "今天天气很好，我们一起去公园散步吧，然后再去图书馆看看书。"
    return np.ascontiguousarray(engine._mel(engine.phone_ids(text), 1.0, 1.0), dtype=np.float32)


@pytest.fixture(scope="module")
def graphs() -> tuple[bytes, bytes]:
    original, _ = split_subband_synthesis((locate_assets() / VOCODER_MODEL).read_bytes())
    rewritten, _ = load_vocoder(locate_assets())
    return original, rewritten


def test_the_rewritten_graph_has_no_mirror_padding_or_space_to_batch(graphs):
    original, rewritten = graphs
    assert {"MIRROR_PAD", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"} <= op_names(original)
    assert not op_names(rewritten) & {"MIRROR_PAD", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}


@pytest.mark.parametrize("frames", [16, 37, 100, 160, 258])
def test_the_rewritten_vocoder_is_bit_identical(mel, graphs, frames):
    original, rewritten = graphs
    window = np.ascontiguousarray(mel[:, :frames])
    assert window.shape[1] == frames
    np.testing.assert_array_equal(run(rewritten, window), run(original, window))
