"""Numpy image primitives (resize, blur, rotate, affine, shift) for corruptions and augmentation."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]


def _axis_weights(n_in: int, n_out: int) -> tuple[NDArray[np.int64], NDArray[np.int64], F32]:
    # pixel-centre alignment (align_corners=False), clamped at the border
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * n_in / n_out - 0.5
    pos = np.clip(pos, 0.0, n_in - 1.0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (pos - lo).astype(np.float32)


def resize_bilinear(images: NDArray[np.floating], side: int) -> F32:
    """(N, h, w) -> (N, side, side) bilinear."""
    x = np.asarray(images, np.float32)
    lo, hi, t = _axis_weights(x.shape[1], side)
    rows = x[:, lo, :] * (1 - t)[None, :, None] + x[:, hi, :] * t[None, :, None]
    lo, hi, t = _axis_weights(x.shape[2], side)
    out = rows[:, :, lo] * (1 - t)[None, None, :] + rows[:, :, hi] * t[None, None, :]
    return out.astype(np.float32)


def resize_nearest(images: NDArray[np.floating], side: int) -> F32:
    """(N, h, w) -> (N, side, side) nearest neighbour."""
    x = np.asarray(images, np.float32)
    rows = (np.arange(side) * x.shape[1]) // side
    cols = (np.arange(side) * x.shape[2]) // side
    return x[:, rows][:, :, cols].astype(np.float32)


def gaussian_blur(images: NDArray[np.floating], sigma: float) -> F32:
    """(N, H, W) separable gaussian blur with zero padding."""
    x = np.asarray(images, np.float32)
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    pad = np.pad(x, ((0, 0), (radius, radius), (0, 0)))
    x = sum(taps[i] * pad[:, i : i + x.shape[1], :] for i in range(len(taps)))
    pad = np.pad(x, ((0, 0), (0, 0), (radius, radius)))
    x = sum(taps[i] * pad[:, :, i : i + x.shape[2]] for i in range(len(taps)))
    return np.asarray(x, np.float32)


def rotate(images: NDArray[np.floating], angles_deg: NDArray[np.floating]) -> F32:
    """(N, H, W) rotated about the centre by per-image angles, bilinear, zero outside."""
    theta = np.deg2rad(np.asarray(angles_deg, np.float64))  # (N,)
    cos, sin = np.cos(theta), np.sin(theta)
    zero = np.zeros_like(theta)
    # output (y, x) about the centre reads input (cos·y - sin·x, sin·y + cos·x)
    matrices = np.stack([np.stack([cos, -sin, zero], 1), np.stack([sin, cos, zero], 1)], 1)
    return affine(images, matrices)


def affine(images: NDArray[np.floating], matrices: NDArray[np.floating]) -> F32:
    """(N, H, W) resampled bilinearly, zero outside: output pixel (y, x), in pixels about the
    image centre, reads the input at `matrices[i] @ (y, x, 1)` (about the centre too);
    `matrices` is (N, 2, 3) or one (2, 3) for every image."""
    x = np.asarray(images, np.float32)
    n, h, w = x.shape
    m = np.broadcast_to(np.asarray(matrices, np.float64), (n, 2, 3))
    yy, xx = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2, indexing="ij")
    rows = [m[:, r, 0, None, None] * yy + m[:, r, 1, None, None] * xx + m[:, r, 2, None, None]
            for r in range(2)]  # fmt: skip
    src_y, src_x = rows[0] + (h - 1) / 2, rows[1] + (w - 1) / 2  # (N, H, W) each
    y0, x0 = np.floor(src_y).astype(np.int64), np.floor(src_x).astype(np.int64)
    ty, tx = (src_y - y0).astype(np.float32), (src_x - x0).astype(np.float32)
    idx = np.arange(n)[:, None, None]

    def tap(yi: NDArray[np.int64], xi: NDArray[np.int64]) -> F32:
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        vals = x[idx, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        return np.where(inside, vals, np.float32(0)).astype(np.float32)

    out = (
        tap(y0, x0) * (1 - ty) * (1 - tx)
        + tap(y0, x0 + 1) * (1 - ty) * tx
        + tap(y0 + 1, x0) * ty * (1 - tx)
        + tap(y0 + 1, x0 + 1) * ty * tx
    )
    return np.asarray(out, np.float32)


def shift(images: NDArray[np.floating], dy: int, dx: int) -> F32:
    """(..., H, W) translated by whole pixels with zero fill."""
    x = np.asarray(images, np.float32)
    out = np.zeros_like(x)
    h, w = x.shape[-2:]
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[..., yd, xd] = x[..., ys, xs]
    return out
