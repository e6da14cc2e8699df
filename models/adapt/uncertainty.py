"""Per-sample uncertainty on the device (numpy; forward passes only) and top-k selection.

Measures: predictive entropy (no extra pass), test-time-augmentation variance (one extra
pass per shifted view), MC channel dropout (extra passes with random channel masks fed
through the feature-scale input; only for prompt families that have one) and random.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from models.adapt.imaging import shift

F32 = NDArray[np.float32]
DeviceForward = Callable[[F32, dict[str, F32]], F32]
"""(images (N, 1, H, W) in [0, 1], prompt arrays by graph input name) -> logits (N, classes)."""

MEASURES = ("entropy", "tta", "mc_dropout", "random")
TTA_SHIFTS: tuple[tuple[int, int], ...] = ((0, 1), (0, -1), (1, 0), (-1, 0))


def softmax(logits: F32) -> F32:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), np.float32)


def entropy(logits: F32) -> F32:
    p = softmax(logits)
    return np.asarray(-(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1), np.float32)


def _spread(probs: list[F32]) -> F32:
    stack = np.stack(probs)  # (K, N, classes)
    return np.asarray(stack.var(axis=0).sum(axis=1), np.float32)  # (N,)


def tta_variance(forward: DeviceForward, images: F32, prompt: dict[str, F32], logits: F32) -> F32:
    """Variance of the softmax over the plain view and one-pixel shifts."""
    probs = [softmax(logits)]
    probs += [softmax(forward(shift(images, dy, dx), prompt)) for dy, dx in TTA_SHIFTS]
    return _spread(probs)


def mc_channel_dropout(
    forward: DeviceForward,
    images: F32,
    prompt: dict[str, F32],
    logits: F32,
    rng: np.random.Generator,
    passes: int = 4,
    drop: float = 0.1,
    scale_input: str = "scale2",
) -> F32:
    """Channel dropout through the feature-scale graph input (the exported graph has no
    dropout op; the net was trained with Dropout2d at the same place and rate)."""
    if scale_input not in prompt:
        raise ValueError(f"MC dropout needs a {scale_input!r} prompt input")
    probs = [softmax(logits)]
    for _ in range(passes):
        keep = (rng.uniform(size=prompt[scale_input].shape) >= drop).astype(np.float32)
        masked = dict(prompt, **{scale_input: prompt[scale_input] * keep / np.float32(1 - drop)})
        probs.append(softmax(forward(images, masked)))
    return _spread(probs)


def extra_passes(measure: str) -> int:
    """Forward passes per sample beyond the prediction itself."""
    return {"entropy": 0, "random": 0, "tta": len(TTA_SHIFTS), "mc_dropout": 4}[measure]


def select_top(scores: NDArray[np.floating], fraction: float) -> NDArray[np.int64]:
    """Indices of the round(fraction·N) highest scores (at least one if fraction > 0),
    most uncertain first; ties keep arrival order."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    n = len(scores)
    k = min(n, max(1, round(fraction * n))) if fraction > 0 else 0
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    return order[:k].astype(np.int64)
