"""Torch-free onnxruntime for shipped models: tuned CPU session options and an IOBinding runner.

Measured for the device CNN at batch 1, one thread (bench/export/breakdown.py): its graph runs
in ~7 µs, onnxruntime's own per-call cost is ~2.6 µs (an Identity graph), and
``InferenceSession.run`` adds ~3.5 µs of Python-side work (input validation, wrapping each
array in an OrtValue, allocating the output). The runner binds preallocated buffers once per
input-shape set and copies each call's data in and the output out; its own Python work
(copies, shape key, lock) costs ~3 µs, so at batch 1 it is only 5-8 % faster than
``run(None, feeds)`` (1-2 % than ``run([name], feeds)``) and at batch 64 no faster
(bench/results/onnx*.json). Outputs are bit-identical to ``run``.

numpy + onnxruntime only, so a device node can use it without torch.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

F32 = NDArray[np.float32]
MAX_SHAPES = 4
"""Input-shape sets whose buffers are kept (the oldest dropped first)."""
_SHAPE = operator.attrgetter("shape")

_DTYPES: dict[str, type[np.generic]] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
}


def session_options(threads: int = 1) -> ort.SessionOptions:
    """One thread, sequential, every graph optimization (NCHWc conv layouts included): the
    fastest set measured for the device CNN; the memory arena and pattern stay on (no
    measurable effect either way)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def cpu_session(model: bytes | str, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session over ONNX or ORT-format bytes or a file path."""
    return ort.InferenceSession(model, session_options(threads), providers=["CPUExecutionProvider"])


@dataclass
class _Slot:
    """Buffers bound for one set of input shapes; the OrtValues share their memory."""

    inputs: list[NDArray[Any]]
    output: NDArray[Any]
    binding: ort.IOBinding
    keep: list[ort.OrtValue] = field(default_factory=list)  # the binding does not own them


class BoundSession:
    """Runs a session through an IOBinding over preallocated buffers: ``session(*arrays)``
    (graph input order) or ``run(feeds)`` returns the first output, equal to
    ``session.run(None, feeds)[0]``. The output's shape must follow from the input shapes.
    Calls are serialized by a lock (the buffers are shared), so threads may share one."""

    def __init__(self, session: ort.InferenceSession, max_shapes: int = MAX_SHAPES) -> None:
        self.session = session
        self.input_names = tuple(i.name for i in session.get_inputs())
        self.output_name = session.get_outputs()[0].name
        self._dtypes = tuple(np.dtype(_DTYPES[i.type]) for i in session.get_inputs())
        self._slots: dict[tuple[tuple[int, ...], ...], _Slot] = {}
        self._max_shapes = max_shapes
        self._lock = threading.Lock()

    def run(self, feeds: Mapping[str, NDArray[Any]]) -> NDArray[Any]:
        return self(*[feeds[name] for name in self.input_names])

    def __call__(self, *arrays: NDArray[Any]) -> NDArray[Any]:
        # every form here is the cheapest measured: np.copyto, list comprehensions and
        # zip(strict=True) each cost a noticeable share of a ~10 µs call
        key = tuple(map(_SHAPE, arrays))
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                return self._first_run(key, arrays)
            for buffer, array in zip(slot.inputs, arrays):  # noqa: B905 (key fixes the arity)
                buffer[...] = array
            self.session.run_with_iobinding(slot.binding)
            return slot.output.copy()

    def _first_run(
        self, key: tuple[tuple[int, ...], ...], arrays: tuple[NDArray[Any], ...]
    ) -> NDArray[Any]:
        """A plain ``run`` checks the feeds and tells the output's shape; then the buffers
        for ``key`` are bound."""
        if len(arrays) != len(self.input_names):
            raise ValueError(f"expected inputs {self.input_names}, got {len(arrays)} arrays")
        inputs = [
            np.array(a, dtype, order="C", copy=True)
            for a, dtype in zip(arrays, self._dtypes, strict=True)
        ]
        feeds = dict(zip(self.input_names, inputs, strict=True))
        output = np.asarray(self.session.run([self.output_name], feeds)[0])
        binding = self.session.io_binding()
        slot = _Slot(inputs, np.empty_like(output), binding)
        for name, buffer in feeds.items():
            value = ort.OrtValue.ortvalue_from_numpy(buffer)
            binding.bind_ortvalue_input(name, value)
            slot.keep.append(value)
        value = ort.OrtValue.ortvalue_from_numpy(slot.output)
        binding.bind_ortvalue_output(self.output_name, value)
        slot.keep.append(value)
        if len(self._slots) >= self._max_shapes:
            del self._slots[next(iter(self._slots))]  # the oldest shape set
        self._slots[key] = slot
        return output


class BoundDeviceRunner:
    """Drop-in for ``models.adapt.runner.DeviceRunner`` (same constructor and call): a
    ``DeviceForward`` (images (N, 1, 16, 16), prompt arrays by part name) -> logits (N, 10)."""

    def __init__(self, model: bytes | str, threads: int = 1) -> None:
        self._bound = BoundSession(cpu_session(model, threads))
        self.input_names = self._bound.input_names
        self._prompt_names = self.input_names[1:]

    def __call__(self, images: F32, prompt: Mapping[str, F32]) -> F32:
        return self._bound(images, *[prompt[name] for name in self._prompt_names])
