"""onnxruntime sessions on one thread, parity against torch and top-1 agreement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
import torch
from numpy.typing import NDArray

from export.bound_runner import cpu_session
from export.quantize import chunk_feeds
from export.spec import Feeds, ModelSpec

F32 = NDArray[np.float32]


def session(model_bytes: bytes, threads: int = 1) -> ort.InferenceSession:
    """A CPU session with the options the device uses (``bound_runner.session_options``)."""
    return cpu_session(model_bytes, threads)


def run(sess: ort.InferenceSession, feeds: Feeds, batched: tuple[str, ...] = ()) -> F32:
    """The first output for ``feeds``; inputs the graph does not declare are ignored.

    If the graph's batch dimension is fixed (``--fixed-batch``), the ``batched`` inputs are
    fed in chunks of that size, the last one padded by repeating its final row.
    """
    inputs = {i.name: i for i in sess.get_inputs()}
    feeds = {k: v for k, v in feeds.items() if k in inputs}
    fixed = [inputs[n].shape[0] for n in batched if n in feeds]
    if not fixed or not isinstance(fixed[0], int):
        return np.asarray(sess.run(None, feeds)[0], np.float32)
    size = int(fixed[0])
    total = len(next(feeds[n] for n in batched if n in feeds))
    chunks = [
        np.asarray(sess.run(None, chunk)[0], np.float32)[: min(size, total - i * size)]
        for i, chunk in enumerate(chunk_feeds([feeds], batched, size))
    ]
    return np.concatenate(chunks)


def run_torch(spec: ModelSpec, feeds: Feeds) -> F32:
    args = [torch.from_numpy(np.ascontiguousarray(feeds[name])) for name in spec.input_names]
    with torch.inference_mode():
        return np.asarray(spec.module(*args).numpy(), np.float32)


@dataclass(frozen=True)
class Agreement:
    agreeing: int
    total: int

    @property
    def rate(self) -> float:
        return self.agreeing / self.total


def max_abs_diff(a: F32, b: F32) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


@dataclass(frozen=True)
class Parity:
    max_abs: float
    """Largest |onnxruntime - torch|."""
    scaled: float
    """Per batch, max |diff| / max(1, max |torch output|); the largest over the batches.
    The device logits reach ~18, where one float32 ulp is ~2e-6: an absolute 1e-5 bound
    would test accumulation order, not the export."""


def scaled_diff(candidate: F32, reference: F32) -> float:
    return max_abs_diff(candidate, reference) / max(1.0, float(np.abs(reference).max()))


def parity(sess: ort.InferenceSession, spec: ModelSpec, batches: list[Feeds]) -> Parity:
    batched = tuple(spec.dynamic_axes)
    pairs = [(run(sess, f, batched), run_torch(spec, f)) for f in batches]
    return Parity(
        max(max_abs_diff(a, b) for a, b in pairs), max(scaled_diff(a, b) for a, b in pairs)
    )


def agreement(
    candidate: ort.InferenceSession,
    reference: ort.InferenceSession,
    batches: list[Feeds],
    batched: tuple[str, ...],
) -> Agreement:
    """How many held-out samples get the same top-1 class from both sessions."""
    same = total = 0
    for feeds in batches:
        a = run(candidate, feeds, batched).argmax(axis=1)
        b = run(reference, feeds, batched).argmax(axis=1)
        same += int((a == b).sum())
        total += len(a)
    return Agreement(same, total)
