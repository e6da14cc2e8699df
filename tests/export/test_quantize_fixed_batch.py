"""Static int8 calibration of a graph whose batch is fixed (``--fixed-batch``)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from export.onnx_file import fix_dimension
from export.quantize import chunk_feeds, quantize


def tiny_matmul(batch: int) -> onnx.ModelProto:
    weights = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    fix_dimension(model, "batch", batch)
    return model


def test_static_int8_calibrates_a_fixed_batch_graph_in_chunks() -> None:
    calibration = [{"x": np.random.default_rng(1).standard_normal((7, 4)).astype(np.float32)}]
    q_model = quantize(tiny_matmul(1), "static", calibration, (), ("x",))
    assert any(node.op_type == "QuantizeLinear" for node in q_model.graph.node)


def test_chunks_pad_the_last_one_and_leave_other_inputs_whole() -> None:
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    prompt = np.ones(3, dtype=np.float32)
    chunks = chunk_feeds([{"x": x, "prompt": prompt}], ("x",), 2)
    assert [c["x"].tolist() for c in chunks] == [
        [[0, 1], [2, 3]],
        [[4, 5], [6, 7]],
        [[8, 9], [8, 9]],
    ]
    assert all(c["prompt"] is prompt for c in chunks)
