"""Weight-precision rewrites of a LiteRT graph, for measuring smaller MB-MelGAN weights.

Both rewrite the (float32, constant) weight operand of the chosen ops, in place of what
the TFLite converter's post-training options would have produced, with the same
``schema_py_generated`` object API the app's graph repairs use:

- ``fp16_weights``: each weight is stored as float16 and expanded by a DEQUANTIZE op at the
  start of the graph (LiteRT and XNNPACK turn it back into float32 once, at load);
- ``int8_weights``: dynamic-range quantisation — each weight is stored as int8, symmetric
  with one scale per output channel, and the op consumes it directly with float
  activations (LiteRT's "hybrid" kernels, or XNNPACK's dynamically quantised ones).

Bias and activations stay float32. Raises ValueError when an op's weight is not a float32
constant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

OPS = schema.BuiltinOperator
CONVOLUTIONS = (OPS.CONV_2D, OPS.TRANSPOSE_CONV)
# Op versions LiteRT's resolver expects for each new kind of operand.
_DEQUANTIZE_FP16_VERSION = 3
_HYBRID_VERSION = {OPS.CONV_2D: 5, OPS.TRANSPOSE_CONV: 5}


def fp16_weights(model_bytes: bytes, ops: Iterable[int] = CONVOLUTIONS) -> bytes:
    """The model with the weights of ``ops`` stored in float16 (DEQUANTIZE to float32 at load)."""
    model = _unpack(model_bytes)
    sg = model.subgraphs[0]
    dequantize = _operator_code(model, OPS.DEQUANTIZE, _DEQUANTIZE_FP16_VERSION)
    expanded: dict[int, int] = {}  # float32 weight tensor → its float16-backed replacement
    prologue: list[schema.OperatorT] = []
    for op in _ops_of(model, ops):
        weight = op.inputs[1]
        if weight not in expanded:
            values = _float_weight(model, sg, weight)
            half = _add_tensor(model, sg, weight, schema.TensorType.FLOAT16, values.astype(np.float16))
            full = _add_tensor(model, sg, weight, schema.TensorType.FLOAT32, None)
            step = schema.OperatorT()
            step.opcodeIndex, step.inputs, step.outputs = dequantize, [half], [full]
            prologue.append(step)
            expanded[weight] = full
        op.inputs = [op.inputs[0], expanded[weight], *op.inputs[2:]]
    sg.operators = prologue + sg.operators
    _drop_unused(model, sg, expanded)
    return _pack(model, len(model_bytes))


def int8_weights(
    model_bytes: bytes, ops: Iterable[int] = (OPS.CONV_2D,), only: Callable[[str], bool] | None = None
) -> bytes:
    """The model with the weights of ``ops`` quantised to int8 per output channel (hybrid ops);
    ``only`` picks the weights by tensor name (default: all of them)."""
    model = _unpack(model_bytes)
    sg = model.subgraphs[0]
    quantised: dict[int, int] = {}
    for op in _ops_of(model, ops):
        weight = op.inputs[1]
        if only is not None and not only(sg.tensors[weight].name.decode()):
            continue
        if weight not in quantised:
            q, scale = _per_channel_int8(_float_weight(model, sg, weight))
            tensor = _add_tensor(model, sg, weight, schema.TensorType.INT8, q)
            params = schema.QuantizationParametersT()
            params.scale = scale.tolist()
            params.zeroPoint = [0] * len(scale)
            params.quantizedDimension = 0
            sg.tensors[tensor].quantization = params
            quantised[weight] = tensor
        op.inputs = [op.inputs[0], quantised[weight], *op.inputs[2:]]
        code = model.operatorCodes[op.opcodeIndex]
        code.version = max(code.version, _HYBRID_VERSION[_code(model, op)])
    _drop_unused(model, sg, quantised)
    return _pack(model, len(model_bytes))


def int8_rounded_weights(model_bytes: bytes, ops: Iterable[int] = CONVOLUTIONS) -> bytes:
    """A diagnostic: the weights of ``ops`` rounded to their int8 values but kept in float32, so the
    ops stay float. It separates the loss of rounding the weights from that of the hybrid kernels
    (which also quantise the activations to int8 on the fly, one scale per tensor)."""
    model = _unpack(model_bytes)
    sg = model.subgraphs[0]
    for weight in {op.inputs[1] for op in _ops_of(model, ops)}:
        q, scale = _per_channel_int8(_float_weight(model, sg, weight))
        rounded = (q.astype(np.float32) * scale.reshape((-1,) + (1,) * (q.ndim - 1))).astype(np.float32)
        model.buffers[sg.tensors[weight].buffer].data = np.frombuffer(rounded.tobytes(), np.uint8)
    return _pack(model, len(model_bytes))


def _per_channel_int8(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 values and one scale per output channel (axis 0)."""
    scale = np.maximum(np.abs(values.reshape(values.shape[0], -1)).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.round(values / scale.reshape((-1,) + (1,) * (values.ndim - 1))), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def weight_bytes(model_bytes: bytes) -> int:
    """Bytes of constant data in the model (what the rewrites shrink)."""
    model = _unpack(model_bytes)
    return sum(len(b.data) for b in model.buffers if b.data is not None)


def _drop_unused(model: schema.ModelT, sg: schema.SubGraphT, replaced: Iterable[int]) -> None:
    """Empty the float32 buffers no op reads any more, so the file (and its copy in memory) shrinks."""
    read = {t for op in sg.operators for t in op.inputs}
    for tensor in replaced:
        if tensor not in read:
            model.buffers[sg.tensors[tensor].buffer].data = None


def _unpack(model_bytes: bytes) -> schema.ModelT:
    return schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)


def _pack(model: schema.ModelT, size_hint: int) -> bytes:
    builder = flatbuffers.Builder(size_hint + 65536)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _code(model: schema.ModelT, op: schema.OperatorT) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def _ops_of(model: schema.ModelT, kinds: Iterable[int]) -> list[schema.OperatorT]:
    wanted = set(kinds)
    return [op for op in model.subgraphs[0].operators if _code(model, op) in wanted]


def _float_weight(model: schema.ModelT, sg: schema.SubGraphT, tensor: int) -> np.ndarray:
    t = sg.tensors[tensor]
    data = model.buffers[t.buffer].data
    if data is None or t.type != schema.TensorType.FLOAT32:
        raise ValueError(f"weight {t.name!r} is not a float32 constant")
    return np.frombuffer(bytes(data), np.float32).reshape([int(d) for d in t.shape])


def _add_tensor(model: schema.ModelT, sg: schema.SubGraphT, like: int, dtype: int, values: np.ndarray | None) -> int:
    """A new tensor shaped like ``like``: a constant holding ``values``, or an activation if None."""
    source = sg.tensors[like]
    t = schema.TensorT()
    t.shape = np.array(source.shape, np.int32)
    t.type, t.name, t.buffer = dtype, source.name + f"/{'const' if values is not None else 'value'}".encode(), 0
    if values is not None:
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(np.ascontiguousarray(values).tobytes(), np.uint8)
        model.buffers.append(buffer)
        t.buffer = len(model.buffers) - 1
    sg.tensors.append(t)
    return len(sg.tensors) - 1


def _operator_code(model: schema.ModelT, builtin: int, version: int) -> int:
    for index, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin and not code.customCode:
            code.version = max(code.version, version)
            return index
    code = schema.OperatorCodeT()
    code.builtinCode, code.deprecatedBuiltinCode, code.version = builtin, min(builtin, 127), version
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1
