"""The canonical, versioned order of the trainable tensors that θ flattens."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ParamLayout:
    """Named tensors in a fixed order; θ is their float32 concatenation in that order."""

    version: str
    """Bumped whenever the rule that picks or orders the tensors changes."""
    entries: tuple[tuple[str, tuple[int, ...]], ...]
    """(name, shape) pairs in canonical order."""

    @property
    def size(self) -> int:
        return sum(int(np.prod(shape, dtype=np.int64)) for _, shape in self.entries)

    @property
    def offsets(self) -> dict[str, tuple[int, int]]:
        """name -> (start, stop) inside θ."""
        spans: dict[str, tuple[int, int]] = {}
        start = 0
        for name, shape in self.entries:
            stop = start + int(np.prod(shape, dtype=np.int64))
            spans[name] = (start, stop)
            start = stop
        return spans

    @property
    def digest(self) -> str:
        """SHA-256 of the version and the (name, shape) list: peers compare it before a run."""
        canonical = json.dumps(
            {"version": self.version, "entries": [[n, list(s)] for n, s in self.entries]},
            separators=(",", ":"),
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def flatten(self, tensors: Mapping[str, npt.NDArray[np.generic]]) -> FloatArray:
        """Concatenate the named tensors into a new float32 θ."""
        parts = []
        for name, shape in self.entries:
            value = np.asarray(tensors[name], dtype=np.float32)
            if value.shape != shape:
                raise ValueError(f"{name}: shape {value.shape}, layout says {shape}")
            parts.append(value.reshape(-1))
        return np.concatenate(parts).astype(np.float32, copy=False)

    def unflatten(self, theta: FloatArray) -> dict[str, FloatArray]:
        """Views of θ by name (no copies)."""
        if theta.shape != (self.size,):
            raise ValueError(f"θ has shape {theta.shape}, layout needs ({self.size},)")
        spans = self.offsets
        return {name: theta[slice(*spans[name])].reshape(shape) for name, shape in self.entries}


BITFIT_VERSION = "bitfit-v1"


def bitfit_layout(shapes: Mapping[str, tuple[int, ...]]) -> ParamLayout:
    """Every bias and every LayerNorm weight, sorted by name (MiniLM-L6: 31,104 values).

    The rule is by name only, so it also keeps ``pooler.dense.bias``, which mean pooling
    never reads: its coordinates drift with the updates and change no loss.
    """
    names = sorted(n for n in shapes if n.endswith(".bias") or n.endswith("LayerNorm.weight"))
    return ParamLayout(BITFIT_VERSION, tuple((n, tuple(shapes[n])) for n in names))
