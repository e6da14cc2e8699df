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

import onnx

from export.errors import ExportError
from export.spec import Feeds

VARIANTS = ("dynamic", "static")


def _consumers(model: onnx.ModelProto, inputs: tuple[str, ...]) -> list[str]:
    return [n.name for n in model.graph.node if any(i in inputs for i in n.input)]


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
    model: onnx.ModelProto, kind: str, calibration: list[Feeds], float_inputs: tuple[str, ...]
) -> onnx.ModelProto:
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
            q.quantize_static(
                source, target, _Reader(calibration, names), quant_format=q.QuantFormat.QDQ,
                activation_type=q.QuantType.QUInt8, weight_type=q.QuantType.QInt8,
                nodes_to_exclude=exclude, calibrate_method=q.CalibrationMethod.MinMax,
            )  # fmt: skip
        return onnx.load_model(str(target))
