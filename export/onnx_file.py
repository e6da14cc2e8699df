"""Make an exported ModelProto reproducible and self-describing.

The dynamo exporter annotates every node, input and initializer with debug metadata
(stack traces with absolute source paths, FX node text, class hierarchies): stripping all
of it makes the file a function of the weights and the toolchain only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np
import onnx
from onnx import numpy_helper

PRODUCER = "byteswarm.export"


def strip_debug(model: onnx.ModelProto) -> None:
    """Remove doc strings and every metadata property (model, graph, nodes, values)."""
    model.doc_string = ""
    del model.metadata_props[:]
    for graph in _graphs(model.graph):
        graph.doc_string = ""
        _clear(graph)
        for node in graph.node:
            node.doc_string = ""
            _clear(node)
        for value in (*graph.input, *graph.output, *graph.value_info):
            value.doc_string = ""
            _clear(value)
        for tensor in graph.initializer:
            tensor.doc_string = ""
            _clear(tensor)
    for function in model.functions:
        function.doc_string = ""
        _clear(function)
        for node in function.node:
            node.doc_string = ""
            _clear(node)


def _clear(proto: object) -> None:
    props = getattr(proto, "metadata_props", None)
    if props is not None:
        del props[:]


def _graphs(graph: onnx.GraphProto) -> Iterable[onnx.GraphProto]:
    yield graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _graphs(attr.g)
            for sub in attr.graphs:
                yield from _graphs(sub)


def pin_versions(model: onnx.ModelProto, ir_version: int) -> None:
    model.ir_version = ir_version
    model.producer_name = PRODUCER


def opset_of(model: onnx.ModelProto) -> int:
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def fix_dimension(model: onnx.ModelProto, dim_name: str, size: int) -> None:
    """Replace a symbolic dimension by a fixed size everywhere it is declared."""
    values = (*model.graph.input, *model.graph.output, *model.graph.value_info)
    for value in values:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param == dim_name:
                dim.Clear()
                dim.dim_value = size


def weights_sha256(model: onnx.ModelProto) -> str:
    """SHA-256 over every stored tensor (initializers by name, Constant values by output)."""
    h = hashlib.sha256()
    named = [(t.name, t) for t in model.graph.initializer]
    for node in model.graph.node:
        if node.op_type == "Constant":
            named += [(f"{node.output[0]}:{a.name}", a.t) for a in node.attribute if a.t.ByteSize()]
    for name, tensor in sorted(named, key=lambda item: item[0]):
        array = np.ascontiguousarray(numpy_helper.to_array(tensor))
        h.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def set_props(model: onnx.ModelProto, props: Mapping[str, str]) -> None:
    """Replace the model's metadata properties by ``props`` in sorted order."""
    del model.metadata_props[:]
    for k, v in sorted(props.items()):
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v


def props_of(model: onnx.ModelProto) -> dict[str, str]:
    return {p.key: p.value for p in model.metadata_props}


def serialize(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString(deterministic=True)


def has_external_data(model: onnx.ModelProto) -> bool:
    tensors = list(model.graph.initializer)
    for node in model.graph.node:
        tensors += [a.t for a in node.attribute if a.type == onnx.AttributeProto.TENSOR]
    return any(
        t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data) > 0 for t in tensors
    )


def io_shape(value: onnx.ValueInfoProto) -> tuple[int | str, ...]:
    dims = value.type.tensor_type.shape.dim
    return tuple(d.dim_param if d.dim_param else int(d.dim_value) for d in dims)


def io_dtype(value: onnx.ValueInfoProto) -> str:
    return str(np.dtype(onnx.helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)))
