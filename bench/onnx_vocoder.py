"""Our own converter of the MB-MelGAN LiteRT graph (as the engine runs it) to ONNX, for measurement.

Input: the sub-band graph after ``split_subband_synthesis`` and ``xnnpack_friendly`` (mel
[B, T, 80] float32 → int8 sub-bands [B, 75·T, 4]). Every activation of that graph is a 1-D
signal: rank 3 [batch, time, channels], made rank 4 only around the convolutions by an
EXPAND_DIMS that inserts a unit axis. The ONNX graph keeps every activation as [batch,
channels, time] instead, so the convolutions are plain 1-D ``Conv``/``ConvTranspose`` and the
EXPAND_DIMS/SQUEEZE pairs disappear; one ``Transpose`` at each end restores the LiteRT layout.
The time axis is dynamic (no shape in the file depends on T).

Op mapping (anything else raises ``ValueError``):

- CONV_2D (VALID, kernel along time, dilation) → Conv (1-D, ``dilations``)
- TRANSPOSE_CONV (SAME, stride along time) → ConvTranspose (1-D, ``pads`` of SAME); its
  output-shape operand and the SHAPE/STRIDED_SLICE/MUL/PACK arithmetic that computes it are dropped
- ADD → Add (a per-channel constant is reshaped to [C, 1]); LEAKY_RELU → LeakyRelu; TANH → Tanh
- STRIDED_SLICE of a signal (constant bounds) → Slice; REVERSE_V2 → Slice with step −1
- CONCATENATION → Concat; QUANTIZE → QuantizeLinear (int8, the output's scale and zero point)
- EXPAND_DIMS / SQUEEZE of the unit axis → nothing (the same ONNX tensor)

It needs the ``onnx`` package (graph building) and ``onnxruntime`` to run; neither is a
dependency of the app.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

_OPS = schema.BuiltinOperator
_OP_NAMES = {v: k for k, v in vars(_OPS).items() if not k.startswith("_")}
_NUMPY = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT32: np.int32}
# LiteRT axis of a [batch, time, channels] signal → ONNX axis of [batch, channels, time].
_AXIS = {0: 0, 1: 2, 2: 1, -1: 1, -2: 2, -3: 0}
# Ops that only compute TRANSPOSE_CONV's output shape (int32 scalars and vectors).
_SHAPE_OPS = {_OPS.SHAPE, _OPS.STRIDED_SLICE, _OPS.MUL, _OPS.PACK}


def convert(model_bytes: bytes) -> Any:
    """The ONNX ``ModelProto`` of a LiteRT MB-MelGAN sub-band graph (raises ValueError otherwise)."""
    from onnx import TensorProto, helper, numpy_helper

    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    sg = model.subgraphs[0]
    if len(sg.inputs) != 1 or len(sg.outputs) != 1:
        raise ValueError("expected one mel input and one sub-band output")

    def code(op: schema.OperatorT) -> int:
        c = model.operatorCodes[op.opcodeIndex]
        return max(c.builtinCode, c.deprecatedBuiltinCode)

    def constant(t: int) -> np.ndarray | None:
        tensor = sg.tensors[t]
        data = model.buffers[tensor.buffer].data
        if data is None or tensor.type not in _NUMPY:
            return None
        shape = [int(d) for d in tensor.shape] if tensor.shape is not None else []
        return np.frombuffer(bytes(data), _NUMPY[tensor.type]).reshape(shape).copy()

    nodes: list[Any] = []
    initializers: list[Any] = []
    names: dict[int, str] = {}  # LiteRT tensor → ONNX value holding it as [B, C, T]
    unit_axis: dict[int, int] = {}  # rank-4 LiteRT tensor → its unit axis (1: time on W, 2: time on H)

    def initializer(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(value, name))
        return name

    def signal(t: int) -> str:
        if t not in names:
            raise ValueError(f"tensor {sg.tensors[t].name!r} is not a signal this converter knows")
        return names[t]

    def emit(op_type: str, inputs: list[str], output_tensor: int, **attributes: Any) -> None:
        name = f"t{output_tensor}"
        nodes.append(helper.make_node(op_type, inputs, [name], name=f"n{len(nodes)}_{op_type}", **attributes))
        names[output_tensor] = name

    mel = sg.inputs[0]
    nodes.append(helper.make_node("Transpose", ["mel"], ["t_mel"], perm=[0, 2, 1], name="input_layout"))
    names[mel] = "t_mel"
    for op in sg.operators:
        kind = code(op)
        out = op.outputs[0]
        options = op.builtinOptions
        if kind in _SHAPE_OPS and sg.tensors[out].type == schema.TensorType.INT32:
            continue  # shape arithmetic for TRANSPOSE_CONV: ONNX derives the output length itself
        if kind == _OPS.EXPAND_DIMS:
            axis = int(constant(op.inputs[1]).reshape(-1)[0]) % 4
            if axis not in (1, 2):
                raise ValueError("EXPAND_DIMS must insert a unit axis next to time")
            names[out], unit_axis[out] = signal(op.inputs[0]), axis
        elif kind == _OPS.SQUEEZE:
            (axis,) = (int(a) % 4 for a in options.squeezeDims)
            if unit_axis.get(op.inputs[0]) != axis:
                raise ValueError("SQUEEZE must remove the unit axis EXPAND_DIMS inserted")
            names[out] = signal(op.inputs[0])
        elif kind == _OPS.CONV_2D:
            unit = unit_axis[op.inputs[0]]
            weights, bias = constant(op.inputs[1]), constant(op.inputs[2])
            if weights is None or options.padding != schema.Padding.VALID or options.fusedActivationFunction:
                raise ValueError("only VALID convolutions with constant weights and no fused activation")
            if weights.shape[unit] != 1:  # [out, kh, kw, in]: the unit axis must have one tap
                raise ValueError("a convolution across the unit axis")
            stride, dilation = (
                (options.strideW, options.dilationWFactor) if unit == 1 else (options.strideH, options.dilationHFactor)
            )
            kernel = np.squeeze(weights, axis=unit).transpose(0, 2, 1)  # [out, in, taps]
            base = f"w{out}"
            inputs = [signal(op.inputs[0]), initializer(base, np.ascontiguousarray(kernel))]
            if bias is not None:
                inputs.append(initializer(base + "_b", bias.astype(np.float32)))
            emit("Conv", inputs, out, dilations=[dilation], strides=[stride], pads=[0, 0])
            unit_axis[out] = unit
        elif kind == _OPS.TRANSPOSE_CONV:
            unit = unit_axis[op.inputs[2]]
            weights = constant(op.inputs[1])
            if weights is None or options.padding != schema.Padding.SAME or options.fusedActivationFunction:
                raise ValueError("only SAME transposed convolutions with constant weights")
            if len(op.inputs) > 3 and op.inputs[3] >= 0:
                raise ValueError("a transposed convolution with a bias operand")
            stride = options.strideW if unit == 1 else options.strideH
            kernel = np.squeeze(weights, axis=unit)  # [out, taps, in]
            taps = kernel.shape[1]
            total = max(taps - stride, 0)  # TFLite's SAME padding for output length = stride · input
            emit(
                "ConvTranspose",
                [signal(op.inputs[2]), initializer(f"w{out}", np.ascontiguousarray(kernel.transpose(2, 0, 1)))],
                out,
                strides=[stride],
                pads=[total // 2, total - total // 2],
            )
            unit_axis[out] = unit
        elif kind == _OPS.ADD:
            if options.fusedActivationFunction:
                raise ValueError("ADD with a fused activation")
            inputs = []
            for t in op.inputs:
                value = constant(t)
                if value is None:
                    inputs.append(signal(t))
                elif value.ndim == 1:  # a per-channel bias
                    inputs.append(initializer(f"c{t}_{out}", value.astype(np.float32).reshape(-1, 1)))
                else:
                    raise ValueError("ADD of a constant that is not per channel")
            emit("Add", inputs, out)
            units = {unit_axis[t] for t in op.inputs if t in unit_axis}
            if units:
                (unit_axis[out],) = units
        elif kind == _OPS.LEAKY_RELU:
            emit("LeakyRelu", [signal(op.inputs[0])], out, alpha=float(options.alpha))
        elif kind == _OPS.TANH:
            emit("Tanh", [signal(op.inputs[0])], out)
        elif kind == _OPS.STRIDED_SLICE:
            begin, end, steps = (constant(t) for t in op.inputs[1:4])
            if begin is None or options.shrinkAxisMask or options.newAxisMask or options.ellipsisMask:
                raise ValueError("only plain strided slices with constant bounds")
            axes = [a for a in range(len(begin)) if not (options.beginMask >> a & 1 and options.endMask >> a & 1)]
            full = np.iinfo(np.int64)
            starts = [full.min if options.beginMask >> a & 1 else int(begin[a]) for a in axes]
            ends = [full.max if options.endMask >> a & 1 else int(end[a]) for a in axes]
            emit(
                "Slice",
                [
                    signal(op.inputs[0]),
                    initializer(f"s{out}_start", np.asarray(starts, np.int64)),
                    initializer(f"s{out}_end", np.asarray(ends, np.int64)),
                    initializer(f"s{out}_axes", np.asarray([_AXIS[a] for a in axes], np.int64)),
                    initializer(f"s{out}_step", np.asarray([int(steps[a]) for a in axes], np.int64)),
                ],
                out,
            )
        elif kind == _OPS.REVERSE_V2:
            (axis,) = constant(op.inputs[1]).reshape(-1)
            emit(
                "Slice",
                [
                    signal(op.inputs[0]),
                    initializer(f"r{out}_start", np.asarray([-1], np.int64)),
                    initializer(f"r{out}_end", np.asarray([np.iinfo(np.int64).min], np.int64)),
                    initializer(f"r{out}_axes", np.asarray([_AXIS[int(axis)]], np.int64)),
                    initializer(f"r{out}_step", np.asarray([-1], np.int64)),
                ],
                out,
            )
        elif kind == _OPS.CONCATENATION:
            if options.fusedActivationFunction:
                raise ValueError("CONCATENATION with a fused activation")
            emit("Concat", [signal(t) for t in op.inputs], out, axis=_AXIS[int(options.axis)])
        elif kind == _OPS.QUANTIZE:
            q = sg.tensors[out].quantization
            if sg.tensors[out].type != schema.TensorType.INT8 or len(q.scale) != 1:
                raise ValueError("only per-tensor int8 quantisation of the output")
            scale = initializer(f"q{out}_scale", np.asarray(q.scale[0], np.float32))
            zero = initializer(f"q{out}_zero", np.asarray(q.zeroPoint[0], np.int8))
            emit("QuantizeLinear", [signal(op.inputs[0]), scale, zero], out)
        else:
            raise ValueError(f"no ONNX mapping for {_OP_NAMES.get(kind, kind)}")
    result = sg.outputs[0]
    nodes.append(helper.make_node("Transpose", [signal(result)], ["subbands"], perm=[0, 2, 1], name="output_layout"))
    channels = int(sg.tensors[mel].shape[-1])
    bands = int(sg.tensors[result].shape[-1])
    graph = helper.make_graph(
        nodes,
        "mb_melgan_subbands",
        [helper.make_tensor_value_info("mel", TensorProto.FLOAT, ["batch", "frames", channels])],
        [helper.make_tensor_value_info("subbands", TensorProto.INT8, ["batch", "samples", bands])],
        initializers,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="huayin-bench")
    onnx_model.ir_version = 8
    return onnx_model


def mapped_ops(model_bytes: bytes) -> dict[str, int]:
    """How many ops of each LiteRT kind the graph has (what ``convert`` has to map)."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    counts: dict[str, int] = {}
    for op in model.subgraphs[0].operators:
        c = model.operatorCodes[op.opcodeIndex]
        name = _OP_NAMES[max(c.builtinCode, c.deprecatedBuiltinCode)]
        counts[name] = counts.get(name, 0) + 1
    return counts


def session(onnx_model: Any, threads: int = 1, arena: bool = True) -> Any:
    """An onnxruntime CPU session for a ``ModelProto`` or its serialised bytes: ``threads`` intra-op
    threads that do not spin while waiting (spinning doubles the CPU of 2 threads and steals the
    core a second request could use), sequential execution, all graph optimisations."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_cpu_mem_arena = arena
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    data = onnx_model if isinstance(onnx_model, bytes) else onnx_model.SerializeToString()
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
