"""Noticing a new domain from the uploads' image statistics alone (no model, no labels)."""

from __future__ import annotations

import torch
from torch import Tensor


def image_descriptors(x: Tensor) -> Tensor:
    """(N, 1, H, W) -> (N, 5): mean, std, mean neighbour difference, dark and bright
    fractions; cheap statistics that move when the corruption changes."""
    flat = x.flatten(1)  # (N, H·W)
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).mean(1)
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).mean(1)
    dark = (flat < 0.02).float().mean(1)
    bright = (flat > 0.98).float().mean(1)
    return torch.stack([flat.mean(1), flat.std(1), dy + dx, dark, bright], dim=1)


def input_shift(reference: Tensor, new: Tensor) -> float:
    """The largest |Welch t| over the descriptors of two image sets (0 if either is tiny)."""
    if len(reference) < 2 or len(new) < 2:
        return 0.0
    a, b = image_descriptors(reference), image_descriptors(new)  # (Na, 5), (Nb, 5)
    spread = a.var(0) / len(a) + b.var(0) / len(b) + 1e-8
    return float(((a.mean(0) - b.mean(0)).abs() / spread.sqrt()).max())
