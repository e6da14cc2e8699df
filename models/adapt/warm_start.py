"""Analytic starting points for a prompt on a new domain (torch, cloud side, no labels).

- ``align_features``: the feature scale/shift that give each conv block, on the uploads,
  the per-channel mean and std it has on clean images. In the folded model this is exactly
  what BatchNorm-statistics adaptation does, computed by the cloud from its buffer, so the
  device stays forward-only.
- ``moment_warp``: the affine warp that maps the uploads' average ink centroid and
  second moments onto those of clean digits (a shift, a zoom or a shear shared by the
  domain); rotation is not identifiable from moments and is left to the gradient.

Both are candidates only: the learner keeps whichever start fits its targets best.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from models.adapt.nets import FoldedDeviceCNN, split_prompt
from models.adapt.prompts import PromptFamily

SCALE_RANGE = (0.1, 10.0)


@dataclass(frozen=True)
class Reference:
    """What clean images look like to the device model (from the cloud's training data)."""

    block_mean: tuple[Tensor, Tensor]  # (c1,), (c2,)
    block_std: tuple[Tensor, Tensor]
    centroid: Tensor  # (2,) mean ink centroid (x, y), pixels about the centre
    spread: Tensor  # (2, 2) mean ink covariance in (x, y)


def _channel_stats(c: Tensor) -> tuple[Tensor, Tensor]:
    """(N, C, H, W) -> per-channel mean and std over N, H, W."""
    flat = c.transpose(0, 1).flatten(1)  # (C, N·H·W)
    return flat.mean(1), flat.std(1).clamp_min(1e-6)


def ink_moments(x: Tensor) -> tuple[Tensor, Tensor]:
    """(N, 1, H, W) -> mean ink centroid (2,) and mean ink covariance (2, 2), in (x, y)
    pixels about the image centre. Ink = brightness above the image's median (the
    background), so a lifted or noisy background weighs less."""
    n, _, h, w = x.shape
    ink = (x[:, 0] - x[:, 0].flatten(1).median(1).values.view(n, 1, 1)).clamp_min(0)  # (N,H,W)
    mass = ink.flatten(1).sum(1).clamp_min(1e-6)  # (N,)
    ys = torch.arange(h, dtype=x.dtype) - (h - 1) / 2
    xs = torch.arange(w, dtype=x.dtype) - (w - 1) / 2
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    pos = torch.stack([gx, gy], -1).view(1, h * w, 2)  # (1, H·W, 2)
    weights = (ink.flatten(1) / mass[:, None]).unsqueeze(-1)  # (N, H·W, 1)
    centre = (weights * pos).sum(1)  # (N, 2)
    offset = pos - centre[:, None, :]  # (N, H·W, 2)
    cov = (weights * offset).transpose(1, 2) @ offset  # (N, 2, 2)
    return centre.mean(0), cov.mean(0)


def reference(model: FoldedDeviceCNN, clean: Tensor) -> Reference:
    """Statistics of clean images (N, 1, H, W) under the neutral prompt."""
    with torch.no_grad():
        c1, c2 = model.conv_outputs(clean, {})
    (m1, s1), (m2, s2) = _channel_stats(c1), _channel_stats(c2)
    centroid, spread = ink_moments(clean)
    return Reference((m1, m2), (s1, s2), centroid, spread)


def _sqrtm(m: Tensor) -> Tensor:
    values, vectors = torch.linalg.eigh(m)
    root: Tensor = vectors @ torch.diag(values.clamp_min(1e-6).sqrt()) @ vectors.T
    return root


def moment_warp(x: Tensor, ref: Reference) -> Tensor:
    """(2, 3) warp prompt (a change of theta, normalised coordinates) under which the
    uploads' mean ink moments become the clean ones: the output position p reads the input
    at A p + t, with A A^T matching the covariances (A symmetric) and t the centroids."""
    h, w = x.shape[-2:]
    centroid, spread = ink_moments(x)
    a = _sqrtm(spread) @ torch.linalg.inv(_sqrtm(ref.spread))  # (2, 2) in (x, y)
    t = centroid - a @ ref.centroid  # (2,) pixels
    theta = torch.cat([a, (t * torch.tensor([2 / w, 2 / h])).view(2, 1)], 1)  # (2, 3)
    return theta - torch.eye(2, 3)


def align_features(
    model: FoldedDeviceCNN, family: PromptFamily, flat: Tensor, x: Tensor, ref: Reference
) -> Tensor:
    """`flat` with each block's scale/shift set so that the block's statistics on `x` (with
    the prompt's earlier parts applied) equal the clean ones; block 1 first, then block 2
    through the aligned block 1. With a filter, the common gain of block 1 may move into
    the filter instead (the same function: conv1 is linear in its input, the shift takes
    up the bias), whichever is nearer the neutral prompt: a dark domain needs a gain of ~8
    that eight per-channel scales would spend far beyond the device's norm bound."""
    plain = _align(model, family, flat.detach().clone(), x, ref)
    parts = split_prompt(family, flat.detach().clone())
    if "filter" not in parts or "scale1" not in parts:
        return plain
    gain = torch.exp(torch.log(split_prompt(family, plain)["scale1"]).mean())
    parts["filter"].mul_(gain)
    moved = family.join({k: v.numpy() for k, v in parts.items()})
    gained = _align(model, family, torch.from_numpy(moved), x, ref)
    neutral = torch.from_numpy(family.neutral())
    return min((plain, gained), key=lambda p: float((p - neutral).norm()))


def _align(
    model: FoldedDeviceCNN, family: PromptFamily, flat: Tensor, x: Tensor, ref: Reference
) -> Tensor:
    out = flat
    for block in (1, 2):
        parts = split_prompt(family, out)
        if f"scale{block}" not in parts:
            return out
        parts[f"scale{block}"] = torch.ones_like(parts[f"scale{block}"])
        parts[f"shift{block}"] = torch.zeros_like(parts[f"shift{block}"])
        with torch.no_grad():
            mean, std = _channel_stats(model.conv_outputs(x, parts)[block - 1])
        scale = (ref.block_std[block - 1] / std).clamp(*SCALE_RANGE)
        shift = ref.block_mean[block - 1] - scale * mean
        view = split_prompt(family, out)
        view[f"scale{block}"].copy_(scale)
        view[f"shift{block}"].copy_(shift)
    return out
