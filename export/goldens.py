"""Golden inputs and outputs as ``.npy`` files in ``<stem>.golden/`` beside the model.

``input.<name>.npy`` feeds the graph; ``output.<name>.npy`` is what onnxruntime returned for
them; ``<set>.input.<name>.npy``/``<set>.output.<name>.npy`` are further named feed sets
(e.g. ``prompted``); ``extra.<name>.npy`` are raw sources the app's tests start from.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from export.spec import Feeds


def npy_bytes(array: NDArray[np.generic]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def golden_files(
    feeds: Feeds, outputs: dict[str, NDArray[np.float32]], prefix: str = ""
) -> dict[str, bytes]:
    files = {f"{prefix}input.{name}.npy": npy_bytes(a) for name, a in feeds.items()}
    files |= {f"{prefix}output.{name}.npy": npy_bytes(a) for name, a in outputs.items()}
    return files


def write_goldens(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.npy"):
        if old.name not in files:
            old.unlink()
    for name, blob in sorted(files.items()):
        (folder / name).write_bytes(blob)


def read_golden(folder: Path, name: str) -> NDArray[np.generic]:
    return np.asarray(np.load(folder / name, allow_pickle=False))
