"""MB-MelGAN graph rewrites that let LiteRT's XNNPACK delegate run the whole vocoder.

Two patterns of the exported graph fall back to LiteRT's slow reference kernels:

- ``MIRROR_PAD`` (reflection padding of the time axis before each convolution), which
  XNNPACK does not support. Reflecting a few frames is the same as slicing them off
  the edges, reversing them and concatenating: three ops XNNPACK runs.
- TensorFlow's lowering of dilated convolutions: ``SPACE_TO_BATCH_ND → EXPAND_DIMS →
  CONV_2D → SQUEEZE → BATCH_TO_SPACE_ND``. One ``CONV_2D`` with a dilation factor
  computes the same thing without reshuffling the signal twice.

Both rewrites are exact: the vocoder's output is bit-identical (tested at many lengths),
while it needs about a third less CPU and less working memory (measured in
docs/design/performance.md).
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

_OPS = schema.BuiltinOperator
_FILE_IDENTIFIER = b"TFL3"


def xnnpack_friendly(model_bytes: bytes) -> bytes:
    """The MB-MelGAN model with its dilated convolutions and mirror padding rewritten."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    _dilated_convolutions(model)
    _mirror_padding(model)
    builder = flatbuffers.Builder(len(model_bytes) + 65536)
    builder.Finish(model.Pack(builder), file_identifier=_FILE_IDENTIFIER)
    return bytes(builder.Output())


def _code(model: schema.ModelT, op: schema.OperatorT) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def _int_constant(model: schema.ModelT, subgraph: schema.SubGraphT, tensor: int) -> np.ndarray:
    t = subgraph.tensors[tensor]
    data = model.buffers[t.buffer].data
    if data is None:
        raise ValueError(f"tensor {t.name!r} is not a constant")
    return np.frombuffer(bytes(data), np.int32).reshape(t.shape)


def _dilated_convolutions(model: schema.ModelT) -> None:
    """SPACE_TO_BATCH_ND → EXPAND_DIMS → CONV_2D → SQUEEZE → BATCH_TO_SPACE_ND → one dilated CONV_2D."""
    sg = model.subgraphs[0]
    ops = sg.operators
    consumers: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        for t in op.inputs:
            consumers.setdefault(t, []).append(i)

    def only_consumer(op: schema.OperatorT, code: int) -> int:
        (index,) = consumers[op.outputs[0]]
        if _code(model, ops[index]) != code:
            raise ValueError("not TensorFlow's lowering of a dilated convolution")
        return index

    dropped: set[int] = set()
    rewire: dict[int, int] = {}
    for i, op in enumerate(ops):
        if _code(model, op) != _OPS.SPACE_TO_BATCH_ND:
            continue
        expand = ops[only_consumer(op, _OPS.EXPAND_DIMS)]
        conv = ops[only_consumer(expand, _OPS.CONV_2D)]
        squeeze = ops[only_consumer(conv, _OPS.SQUEEZE)]
        to_space = only_consumer(squeeze, _OPS.BATCH_TO_SPACE_ND)
        if conv.builtinOptions.padding != schema.Padding.VALID:
            raise ValueError("a dilated convolution with SAME padding is not rewritten")
        dilation = int(_int_constant(model, sg, op.inputs[1])[0])
        expand.inputs = [op.inputs[0], *expand.inputs[1:]]  # the signal itself, not its batches
        kernel = sg.tensors[conv.inputs[1]].shape  # [out, height, width, in]: the time axis has the taps
        if kernel[2] > 1:
            conv.builtinOptions.dilationWFactor = dilation
        else:
            conv.builtinOptions.dilationHFactor = dilation
        rewire[ops[to_space].outputs[0]] = squeeze.outputs[0]
        dropped |= {i, to_space}
    for op in ops:
        op.inputs = [rewire.get(t, t) for t in op.inputs]
    sg.outputs = [rewire.get(t, t) for t in sg.outputs]
    # Keep only what the outputs need: the shape arithmetic that fed the removed ops goes too.
    needed, kept = set(sg.outputs), []
    for op in reversed([op for i, op in enumerate(ops) if i not in dropped]):
        if any(t in needed for t in op.outputs):
            kept.append(op)
            needed.update(t for t in op.inputs if t >= 0)
    sg.operators = kept[::-1]


def _operator_code(model: schema.ModelT, builtin: int, version: int) -> int:
    for index, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin and not code.customCode:
            return index
    code = schema.OperatorCodeT()
    code.builtinCode, code.deprecatedBuiltinCode, code.version = builtin, min(builtin, 127), version
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def _mirror_padding(model: schema.ModelT) -> None:
    """MIRROR_PAD (REFLECT, time axis) → reversed edge slices concatenated around the signal."""
    sg = model.subgraphs[0]
    slice_code = _operator_code(model, _OPS.STRIDED_SLICE, 4)
    reverse_code = _operator_code(model, _OPS.REVERSE_V2, 2)
    concat_code = _operator_code(model, _OPS.CONCATENATION, 1)
    rewritten: list[schema.OperatorT] = []

    def constant(values: list[int]) -> int:
        data = np.asarray(values, np.int32)
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(data.tobytes(), np.uint8)
        model.buffers.append(buffer)
        return _tensor(sg, list(data.shape), schema.TensorType.INT32, len(model.buffers) - 1, "reflect_const")

    def reversed_edge(signal: int, begin: int, end: int, frames: int) -> int:
        """Frames [begin, end) of ``signal`` in reverse order (the ops are appended to ``rewritten``)."""
        source = sg.tensors[signal]
        shape = [1, frames, int(source.shape[2])]
        edge = _tensor(sg, shape, source.type, 0, "reflect_edge")
        flipped = _tensor(sg, shape, source.type, 0, "reflect_flipped")
        options = schema.StridedSliceOptionsT()
        options.beginMask = options.endMask = 0b101  # the whole batch and channel axes
        bounds = [constant([0, begin, 0]), constant([1, end, 1]), constant([1, 1, 1])]
        rewritten.append(
            _operator(slice_code, [signal, *bounds], [edge], schema.BuiltinOptions.StridedSliceOptions, options)
        )
        rewritten.append(_operator(reverse_code, [edge, constant([1])], [flipped]))
        return flipped

    for op in sg.operators:
        if _code(model, op) != _OPS.MIRROR_PAD:
            rewritten.append(op)
            continue
        pads = _int_constant(model, sg, op.inputs[1])
        if op.builtinOptions.mode != schema.MirrorPadMode.REFLECT or pads[0].any() or pads[2].any():
            raise ValueError("only reflection padding of the time axis is rewritten")
        signal = op.inputs[0]
        before, after = int(pads[1, 0]), int(pads[1, 1])
        pieces = [reversed_edge(signal, 1, before + 1, before)] if before else []  # frames 1..before, reversed
        pieces.append(signal)
        if after:
            pieces.append(reversed_edge(signal, -(after + 1), -1, after))  # frames T-after-1..T-2, reversed
        options = schema.ConcatenationOptionsT()
        options.axis, options.fusedActivationFunction = 1, 0
        rewritten.append(
            _operator(concat_code, pieces, [op.outputs[0]], schema.BuiltinOptions.ConcatenationOptions, options)
        )
    sg.operators = rewritten


def _operator(
    code: int, inputs: list[int], outputs: list[int], options_type: int = 0, options: object = None
) -> schema.OperatorT:
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = code, inputs, outputs
    op.builtinOptionsType, op.builtinOptions = options_type, options
    return op


def _tensor(sg: schema.SubGraphT, shape: list[int], dtype: int, buffer: int, name: str) -> int:
    t = schema.TensorT()
    t.shape = np.array(shape, np.int32)
    t.shapeSignature = np.array(shape, np.int32)
    t.type, t.buffer, t.name = dtype, buffer, f"{name}_{len(sg.tensors)}".encode()
    sg.tensors.append(t)
    return len(sg.tensors) - 1
