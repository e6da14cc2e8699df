"""The adapted device model: the device CNN with one accepted prompt baked in.

A device that applied its cloud's prompt writes it as a flat float32 ``.npy`` (the
contract's ``prompt.file`` format) with a ``.json`` beside it (version, sha256, cloud:
``node/adapt/prompt_file.py``). ``adapted_spec`` turns the prompted device module into one
whose prompt parts are constants: the exported graph takes ``image`` only, and its
contract names the prompt it carries (``prompt.applied.*``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from export.errors import ExportError
from export.spec import ModelSpec
from models.adapt.prompts import PromptFamily

PROMPT_META = ("version", "sha256", "cloud", "device")
"""Keys of the prompt's .json sidecar copied into the contract as ``prompt.applied.KEY``."""


class PromptApplied(torch.nn.Module):
    """``module(image, *parts)`` with ``parts`` fixed: ``forward(image)``."""

    def __init__(self, module: torch.nn.Module, parts: dict[str, NDArray[np.float32]]) -> None:
        super().__init__()
        self.module = module
        self.names = tuple(parts)
        for i, array in enumerate(parts.values()):
            self.register_buffer(f"part{i}", torch.from_numpy(np.array(array, np.float32)))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        parts = [getattr(self, f"part{i}") for i in range(len(self.names))]
        return self.module(image, *parts)  # type: ignore[no-any-return]


def load_prompt(path: Path, family: PromptFamily) -> tuple[NDArray[np.float32], dict[str, str]]:
    """(flat prompt, its sidecar's metadata); ExportError unless it fits ``family``."""
    try:
        flat = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: not a .npy prompt file ({exc})") from None
    if flat.dtype.kind != "f" or flat.shape != (family.size,):
        raise ExportError(
            f"{path}: want a flat float prompt of {family.size} values for family "
            f"{family.name}, got {flat.dtype} {flat.shape}"
        )
    if not np.isfinite(flat).all():
        raise ExportError(f"{path}: the prompt holds NaN or inf")
    meta: dict[str, str] = {}
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        try:
            found = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExportError(f"{sidecar}: not JSON ({exc})") from None
        if not isinstance(found, dict):
            raise ExportError(f"{sidecar}: want a JSON object")
        if found.get("family", family.name) != family.name:
            raise ExportError(f"{sidecar}: a {found['family']} prompt, not {family.name}")
        meta = {k: str(found[k]) for k in PROMPT_META if k in found}
    return flat.astype(np.float32), meta


def adapted_spec(device: ModelSpec, family: PromptFamily, prompt: Path) -> ModelSpec:
    """``device`` (from ``device_spec``) with the prompt in ``prompt`` baked in."""
    flat, meta = load_prompt(prompt, family)
    parts = family.split(flat)
    contract = {
        k: v
        for k, v in device.contract.items()
        if not k.startswith(("prompt.input", "prompt.size", "prompt.file"))
    }
    contract["prompt.applied"] = "true"
    contract["prompt.applied.sha256_f32"] = _sha256(flat)
    contract |= {f"prompt.applied.{k}": v for k, v in meta.items()}

    def image_only(feeds: dict[str, NDArray[np.generic]]) -> dict[str, NDArray[np.generic]]:
        return {"image": feeds["image"]}

    return replace(
        device,
        name="device_adapted",
        module=PromptApplied(device.module, parts).eval(),
        example=device.example[:1],
        input_names=("image",),
        contract=contract,
        golden_feeds=image_only(device.golden_feeds),
        heldout=[image_only(f) for f in device.heldout],
        calibration=[image_only(f) for f in device.calibration],
        golden_extra={**device.golden_extra, "prompt_flat": flat},
        golden_extra_outputs={},
        quantize_exclude_inputs=(),
    )


def _sha256(flat: NDArray[np.float32]) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(flat, "<f4").tobytes()).hexdigest()
