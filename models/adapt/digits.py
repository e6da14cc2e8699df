"""sklearn's bundled digits, upsampled to 16×16 uint8, with fixed seeded splits (no download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.adapt.imaging import resize_bilinear

SIDE = 16
SPLIT_SEED = 20230601  # fixed: every run seed sees the same train/val/stream images
N_TRAIN = 1000
N_VAL = 197  # the remaining 600 form the stream pool


@dataclass(frozen=True)
class DigitSplits:
    """Images are uint8 (N, 16, 16); labels int64 (N,)."""

    train_images: NDArray[np.uint8]
    train_labels: NDArray[np.int64]
    val_images: NDArray[np.uint8]
    val_labels: NDArray[np.int64]
    stream_images: NDArray[np.uint8]
    stream_labels: NDArray[np.int64]


def to_unit(images: NDArray[np.uint8]) -> NDArray[np.float32]:
    """uint8 (N, H, W) -> float32 (N, 1, H, W) in [0, 1]: the device graph's input."""
    return (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]


def to_uint8(images: NDArray[np.floating]) -> NDArray[np.uint8]:
    """float in [0, 1] (any shape) -> uint8, clipped and rounded: what goes on the wire."""
    return np.clip(np.rint(np.asarray(images, np.float64) * 255.0), 0, 255).astype(np.uint8)


def load_digit_splits() -> DigitSplits:
    """Bundled 8×8 digits (0..16) -> bilinear 16×16 in [0, 255]; a fixed permutation splits."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    small = np.asarray(bunch.images, np.float32) / np.float32(16.0)  # (1797, 8, 8)
    large = resize_bilinear(small, SIDE)  # (1797, 16, 16)
    images = to_uint8(large)
    labels = np.asarray(bunch.target, np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    tr, va, st = np.split(order, [N_TRAIN, N_TRAIN + N_VAL])
    return DigitSplits(images[tr], labels[tr], images[va], labels[va], images[st], labels[st])
