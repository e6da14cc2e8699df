"""Where default weights are cached, and the hash that names a set of torch tensors."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("byteswarm")) / "export"


def tensors_sha256(tensors: Mapping[str, NDArray[np.generic]]) -> str:
    """SHA-256 over (name, dtype, shape, little-endian bytes) in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        h.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        h.update(array.tobytes())
    return h.hexdigest()
