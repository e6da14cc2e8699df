"""Prompt families: which named graph inputs a prompt has, their shapes and neutral values.

A prompt travels as one flat float vector; a family splits it into the named arrays the
device graph takes as extra inputs. Numpy only: the device uses this without torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]


@dataclass(frozen=True)
class PromptPart:
    name: str
    """Graph input name."""
    shape: tuple[int, ...]
    neutral: float
    """Every entry of the neutral prompt (0 for offsets/shifts, 1 for scales); the filter
    part is the exception: its neutral value is the identity kernel."""


@dataclass(frozen=True)
class PromptFamily:
    name: str
    parts: tuple[PromptPart, ...]

    @property
    def size(self) -> int:
        return sum(int(np.prod(p.shape)) for p in self.parts)

    def neutral(self) -> F32:
        """The flat prompt under which the prompted model equals the plain one."""
        chunks = []
        for part in self.parts:
            chunk = np.full(part.shape, part.neutral, np.float32)
            if part.name == "filter":
                chunk[:] = 0.0
                chunk[..., part.shape[-2] // 2, part.shape[-1] // 2] = 1.0
            chunks.append(chunk.ravel())
        return np.concatenate(chunks).astype(np.float32)

    def split(self, flat: F32) -> dict[str, F32]:
        """Flat (size,) -> {graph input name: array of its shape}."""
        if flat.shape != (self.size,):
            raise ValueError(f"{self.name} prompt needs shape ({self.size},), got {flat.shape}")
        out: dict[str, F32] = {}
        start = 0
        for part in self.parts:
            n = int(np.prod(part.shape))
            out[part.name] = np.ascontiguousarray(flat[start : start + n].reshape(part.shape))
            start += n
        return out

    def join(self, arrays: dict[str, F32]) -> F32:
        return np.concatenate([np.asarray(arrays[p.name], np.float32).ravel() for p in self.parts])


def additive_family(side: int = 16) -> PromptFamily:
    """`x + prompt`: one value per pixel (the U-VPA-like visual prompt)."""
    return PromptFamily("additive", (PromptPart("prompt", (1, 1, side, side), 0.0),))


def filter_feature_family(channels: tuple[int, ...] = (8, 16)) -> PromptFamily:
    """A learned 3×3 input filter plus per-channel scale/shift after each conv block.

    The filter undoes noise and blur, the feature affine undoes contrast, fog and dark
    (it can re-centre activations as BN statistics would) while the device only runs
    forward passes.
    """
    parts = [PromptPart("filter", (1, 1, 3, 3), 0.0)]
    for i, c in enumerate(channels, start=1):
        parts += [PromptPart(f"scale{i}", (c,), 1.0), PromptPart(f"shift{i}", (c,), 0.0)]
    return PromptFamily("filter_feature", tuple(parts))


def warp_filter_feature_family(channels: tuple[int, ...] = (8, 16)) -> PromptFamily:
    """A global affine warp of the input, then the filter + feature family.

    `warp` (2, 3) is the change of the affine matrix that maps output pixel positions to
    input ones in normalised coordinates ([-1, 1], pixel centres, `align_corners=False`):
    theta = [[1, 0, 0], [0, 1, 0]] + warp, zeros outside the image. Six numbers undo a
    shift, a zoom, a rotation or a shear that a whole domain shares (a moved camera); the
    filter and the feature affine cannot.
    """
    warp = PromptPart("warp", (2, 3), 0.0)
    return PromptFamily("warp_filter_feature", (warp, *filter_feature_family(channels).parts))


FAMILIES = ("additive", "filter_feature", "warp_filter_feature")


def family_by_name(name: str) -> PromptFamily:
    """The family with its default shapes (one of `FAMILIES`)."""
    if name == "additive":
        return additive_family()
    if name == "filter_feature":
        return filter_feature_family()
    if name == "warp_filter_feature":
        return warp_filter_feature_family()
    raise ValueError(f"unknown prompt family {name!r}")
