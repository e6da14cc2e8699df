"""Per-sample uncertainty on the device (numpy; forward passes only) and top-k selection.

Selections: the top fraction; half top, half random ("mix"); the top of each predicted
class in turn ("class_balanced"); a draw without replacement with probability ∝ score
("sample"). The most uncertain samples alone are a biased picture of the domain (see
bench/adapt/stream.py's diagnostics), which the other three correct in different ways.

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
SELECTIONS = ("top", "mix", "class_balanced", "sample")
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
    k = upload_count(len(scores), fraction)
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    return order[:k].astype(np.int64)


def upload_count(n: int, fraction: float) -> int:
    """round(fraction·n), at least one if fraction > 0, at most n."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    return min(n, max(1, round(fraction * n))) if fraction > 0 else 0


def _by_score(scores: NDArray[np.float64], index: NDArray[np.int64]) -> NDArray[np.int64]:
    return index[np.argsort(-scores[index], kind="stable")].astype(np.int64)


def _class_balanced(scores: NDArray[np.float64], k: int, classes: NDArray[np.int64]) -> list[int]:
    # each predicted class's samples, most uncertain first; classes take turns
    queues = [_by_score(scores, np.flatnonzero(classes == c)).tolist() for c in np.unique(classes)]
    queues.sort(key=lambda q: -scores[q[0]])
    picked: list[int] = []
    while len(picked) < k:
        for queue in queues:
            if queue and len(picked) < k:
                picked.append(queue.pop(0))
    return picked


def select(
    scores: NDArray[np.floating],
    fraction: float,
    selection: str = "top",
    rng: np.random.Generator | None = None,
    predictions: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Indices to upload, most uncertain first. "mix" and "sample" need `rng`;
    "class_balanced" needs the device's `predictions`."""
    s = np.asarray(scores, np.float64)
    k = upload_count(len(s), fraction)
    if selection == "top":
        return select_top(s, fraction)
    if selection == "class_balanced":
        if predictions is None:
            raise ValueError("class_balanced selection needs the predictions")
        return _by_score(s, np.asarray(_class_balanced(s, k, predictions), np.int64))
    if rng is None:
        raise ValueError(f"{selection!r} selection needs an rng")
    if selection == "mix":
        top = select_top(s, fraction)[: (k + 1) // 2]
        rest = np.setdiff1d(np.arange(len(s)), top)
        extra = rng.choice(rest, size=k - len(top), replace=False)
        return _by_score(s, np.concatenate([top, extra]).astype(np.int64))
    if selection == "sample":
        weight = np.clip(s, 0.0, None) + 1e-6 * max(float(s.max(initial=0.0)), 1e-12)
        drawn = rng.choice(len(s), size=k, replace=False, p=weight / weight.sum())
        return _by_score(s, np.asarray(drawn, np.int64))
    raise ValueError(f"unknown selection {selection!r}")
