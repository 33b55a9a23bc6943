"""The few ONNX messages a converted graph needs, written in protobuf's wire format.

The ``onnx`` package would build them too, but a worker that imported it would
carry ~17 MB more for a step that takes 0.1 s once per process. ONNX's schema
(``onnx.proto``, proto2) never renumbers a field, so writing the handful we use
is small and stable; the tests read our bytes back with the ``onnx`` package and
its checker. Repeated scalars are written unpacked, which every protobuf reader
accepts.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# TensorProto.DataType
FLOAT, INT8, INT32, INT64 = 1, 3, 6, 7
_DATA_TYPES = {
    np.dtype(np.float32): FLOAT,
    np.dtype(np.int8): INT8,
    np.dtype(np.int32): INT32,
    np.dtype(np.int64): INT64,
}
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_STRING, _ATTR_INTS = 1, 2, 3, 7

_VARINT, _FIXED32, _BYTES = 0, 5, 2


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s are written as their 64-bit two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _int(number: int, value: int) -> bytes:
    return _key(number, _VARINT) + _varint(value)


def _bytes(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _key(number, _BYTES) + _varint(len(data)) + data


def _float(number: int, value: float) -> bytes:
    return _key(number, _FIXED32) + struct.pack("<f", value)


def _many(number: int, messages: Iterable[bytes]) -> bytes:
    return b"".join(_bytes(number, m) for m in messages)


@dataclass(frozen=True)
class Node:
    op_type: str
    inputs: Sequence[str]
    outputs: Sequence[str]
    name: str
    attributes: dict[str, int | float | str | list[int]] = field(default_factory=dict)

    def encode(self) -> bytes:
        parts = [_bytes(1, i) for i in self.inputs] + [_bytes(2, o) for o in self.outputs]
        parts += [_bytes(3, self.name), _bytes(4, self.op_type)]
        return b"".join(parts) + _many(5, (_attribute(k, v) for k, v in self.attributes.items()))


def _attribute(name: str, value: int | float | str | list[int]) -> bytes:
    head = _bytes(1, name)
    if isinstance(value, bool) or not isinstance(value, int | float | str | list):
        raise TypeError(f"attribute {name!r}: unsupported value {value!r}")
    if isinstance(value, int):
        return head + _int(3, value) + _int(20, _ATTR_INT)
    if isinstance(value, float):
        return head + _float(2, value) + _int(20, _ATTR_FLOAT)
    if isinstance(value, str):
        return head + _bytes(4, value) + _int(20, _ATTR_STRING)
    return head + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)


def tensor(name: str, value: np.ndarray) -> bytes:
    """A TensorProto with its data as little-endian raw bytes."""
    array = np.ascontiguousarray(value)
    dims = b"".join(_int(1, d) for d in array.shape)
    raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    return dims + _int(2, _DATA_TYPES[array.dtype]) + _bytes(8, name) + _bytes(9, raw)


def value_info(name: str, data_type: int, dims: Sequence[int | str]) -> bytes:
    """A ValueInfoProto of a tensor; a str dimension is symbolic (any length)."""
    dimensions = (_int(1, d) if isinstance(d, int) else _bytes(2, d) for d in dims)
    shape = _many(1, dimensions)
    tensor_type = _int(1, data_type) + _bytes(2, shape)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    nodes: Sequence[Node],
    initializers: Sequence[bytes],
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    *,
    graph_name: str,
    opset: int,
    ir_version: int,
    producer: str,
) -> bytes:
    """A serialised ModelProto with one graph in the default domain."""
    graph = (
        _many(1, (n.encode() for n in nodes))
        + _bytes(2, graph_name)
        + _many(5, initializers)
        + _many(11, inputs)
        + _many(12, outputs)
    )
    opset_id = _bytes(1, "") + _int(2, opset)
    return _int(1, ir_version) + _bytes(2, producer) + _bytes(7, graph) + _bytes(8, opset_id)
