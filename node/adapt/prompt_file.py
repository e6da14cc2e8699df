"""The device's last accepted prompt on disk, for ``byteswarm export --model device --prompt``.

When a device applies a prompt from its cloud it writes it to its data dir as
``adapt/prompt-FAMILY.npy`` (flat float32, parts in order: the export contract's
``prompt.file`` format) and ``adapt/prompt-FAMILY.json`` (version, sha256 of the signed fp16
payload, the cloud that signed it). Each newer accepted prompt replaces both files; a
prompt the validator refused never reaches them.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


def prompt_paths(data_dir: Path, family: str) -> tuple[Path, Path]:
    """(the .npy, its .json) of the device in ``data_dir``."""
    folder = data_dir / "adapt"
    return folder / f"prompt-{family}.npy", folder / f"prompt-{family}.json"


def save_prompt(
    data_dir: Path, family: str, flat: NDArray[np.float32], meta: dict[str, Any]
) -> Path:
    """Write the accepted prompt (``flat``) and ``meta`` atomically; the .npy path."""
    npy, sidecar = prompt_paths(data_dir, family)
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(flat, "<f4").reshape(-1), allow_pickle=False)
    write_atomically(npy, buffer.getvalue())
    text = json.dumps({"family": family, **meta}, indent=2, sort_keys=True) + "\n"
    write_atomically(sidecar, text.encode())
    return npy


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
