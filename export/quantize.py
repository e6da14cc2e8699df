"""int8 variants with onnxruntime.quantization.

- dynamic: weights int8 ahead of time, activations quantized per call (MatMul/Gemm only:
  onnxruntime's ConvInteger kernel takes uint8 weights, so convs stay float).
- static: QDQ with activation ranges calibrated (MinMax) on training images only.
Nodes that read a prompt input stay float in both, so a prompt is never rounded to int8.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx

from export.errors import ExportError
from export.spec import Feeds

VARIANTS = ("dynamic", "static")


def _consumers(model: onnx.ModelProto, inputs: tuple[str, ...]) -> list[str]:
    return [n.name for n in model.graph.node if any(i in inputs for i in n.input)]


def fixed_batch_size(model: onnx.ModelProto, batched: tuple[str, ...]) -> int | None:
    """The batch size the graph's batched inputs are fixed to (``--fixed-batch``), if any."""
    for value in model.graph.input:
        if value.name in batched:
            dims = value.type.tensor_type.shape.dim
            if dims and dims[0].HasField("dim_value") and dims[0].dim_value > 0:
                return int(dims[0].dim_value)
    return None


def chunk_feeds(batches: list[Feeds], batched: tuple[str, ...], size: int) -> list[Feeds]:
    """``batches`` cut along axis 0 of the ``batched`` inputs into chunks of ``size`` rows,
    the last one padded by repeating its final row (MinMax ranges are unchanged by it)."""
    chunks: list[Feeds] = []
    for feeds in batches:
        total = len(next(feeds[n] for n in batched if n in feeds))
        for start in range(0, total, size):
            chunk = {}
            for name, value in feeds.items():
                if name in batched:
                    part = value[start : start + size]
                    pad = np.repeat(part[-1:], size - len(part), axis=0)
                    value = np.concatenate([part, pad]) if len(pad) else part
                chunk[name] = value
            chunks.append(chunk)
    return chunks


class _Reader:
    """onnxruntime's CalibrationDataReader protocol over a list of feeds."""

    def __init__(self, batches: list[Feeds], names: set[str]) -> None:
        self._batches = batches
        self._names = names
        self._iter: Iterator[Feeds] = iter(())
        self.rewind()

    def get_next(self) -> Feeds | None:
        feeds = next(self._iter, None)
        return None if feeds is None else {k: v for k, v in feeds.items() if k in self._names}

    def rewind(self) -> None:
        self._iter = iter(self._batches)


def quantize(
    model: onnx.ModelProto,
    kind: str,
    calibration: list[Feeds],
    float_inputs: tuple[str, ...],
    batched: tuple[str, ...] = (),
) -> onnx.ModelProto:
    """The ``kind`` int8 variant of ``model``; ``batched`` names the inputs whose axis 0 is
    the batch (a graph with a fixed batch is calibrated in chunks of that size)."""
    from onnxruntime import quantization as q

    if kind not in VARIANTS:
        raise ExportError(f"--int8 must be one of {', '.join(VARIANTS)}, not {kind!r}")
    exclude = _consumers(model, float_inputs)
    with tempfile.TemporaryDirectory(prefix="byteswarm-int8-") as tmp:
        source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save_model(model, str(source))
        if kind == "dynamic":
            q.quantize_dynamic(
                source, target, weight_type=q.QuantType.QInt8, nodes_to_exclude=exclude,
                op_types_to_quantize=["MatMul", "Gemm"],
            )  # fmt: skip
        else:
            names = {i.name for i in model.graph.input}
            size = fixed_batch_size(model, batched)
            if size is not None and batched:
                calibration = chunk_feeds(calibration, batched, size)
            q.quantize_static(
                source, target, _Reader(calibration, names), quant_format=q.QuantFormat.QDQ,
                activation_type=q.QuantType.QUInt8, weight_type=q.QuantType.QInt8,
                nodes_to_exclude=exclude, calibrate_method=q.CalibrationMethod.MinMax,
            )  # fmt: skip
        return onnx.load_model(str(target))
