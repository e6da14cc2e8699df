"""torch -> ONNX with the dynamo exporter, in memory (no file is left behind)."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import onnx
import torch

from export.spec import ModelSpec


def export_onnx(spec: ModelSpec, opset: int) -> onnx.ModelProto:
    """Dynamo export with the dynamic axes of ``spec``; external data is never written."""
    dims = {
        name: torch.export.Dim(name, min=1, max=spec.max_dims[name])
        for axes in spec.dynamic_axes.values()
        for name in axes.values()
    }
    dynamic = tuple(  # positional: the module's argument names need not match input names
        {axis: dims[dim] for axis, dim in spec.dynamic_axes[name].items()}
        if name in spec.dynamic_axes else None
        for name in spec.input_names
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="byteswarm-export-") as tmp, _quiet():
        target = Path(tmp) / f"{spec.name}.onnx"
        torch.onnx.export(
            spec.module,
            spec.example,
            str(target),
            input_names=list(spec.input_names),
            output_names=list(spec.output_names),
            dynamic_shapes=dynamic,
            opset_version=opset,
            dynamo=True,
            external_data=False,
            optimize=True,
            verbose=False,
        )
        return onnx.load_model_from_string(target.read_bytes())


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter prints progress and registration warnings; the CLI keeps stderr tidy."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
