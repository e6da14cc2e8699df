"""The device tells its domains apart from image statistics alone (numpy, no model pass).

Each batch is summarised by nine numbers (brightness, contrast, edge energy, dark and
bright fractions, the ink centroid and spread); a batch joins the nearest known domain
within `threshold` (distance in units of `SCALE`, the typical batch-to-batch wobble of
each number within one domain), or opens a new one. The domain id goes up with the
upload, the cloud keeps one prompt per id, and the device predicts every batch with its
domain's prompt: a domain that comes back is served at once, without waiting a round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]

DESCRIPTORS = (
    "mean", "std", "edges", "dark", "bright", "centroid_x", "centroid_y", "spread_x", "spread_y",
)  # fmt: skip
SCALE = np.array([0.005, 0.0035, 0.0035, 0.005, 0.0025, 0.1, 0.14, 0.05, 0.065], np.float32)
"""Per-descriptor unit of distance: the batch-to-batch std of each number within one
domain (batches of 50) on the tuned split's validation streams; the nearest two tuned
domains (clean and rotation) are 13 units apart."""


def batch_descriptors(unit: F32) -> F32:
    """(N, 1, H, W) in [0, 1] -> (9,) the batch means of the per-image statistics."""
    x = np.asarray(unit, np.float32)[:, 0]  # (N, H, W)
    n, h, w = x.shape
    flat = x.reshape(n, -1)
    edges = np.abs(np.diff(x, axis=1)).mean((1, 2)) + np.abs(np.diff(x, axis=2)).mean((1, 2))
    ink = np.clip(x - np.median(flat, axis=1)[:, None, None], 0, None)  # (N, H, W)
    mass = np.maximum(ink.sum((1, 2)), 1e-6)
    ys = np.arange(h, dtype=np.float32) - (h - 1) / 2
    xs = np.arange(w, dtype=np.float32) - (w - 1) / 2
    cx = (ink.sum(1) * xs).sum(1) / mass  # (N,)
    cy = (ink.sum(2) * ys).sum(1) / mass
    sx = (ink.sum(1) * (xs[None] - cx[:, None]) ** 2).sum(1) / mass
    sy = (ink.sum(2) * (ys[None] - cy[:, None]) ** 2).sum(1) / mass
    per_image = np.stack([
        flat.mean(1), flat.std(1), edges, (flat < 0.02).mean(1), (flat > 0.98).mean(1),
        cx, cy, np.sqrt(sx), np.sqrt(sy),
    ], 1)  # fmt: skip
    return np.asarray(per_image.mean(0), np.float32)


@dataclass
class DomainKeys:
    threshold: float = 5.0
    """Largest scaled distance (max over descriptors) at which a batch joins a domain."""
    capacity: int = 16
    """Domains remembered; the least recently seen is forgotten beyond it."""
    momentum: float = 0.2
    """How far a domain's key moves towards each batch it takes."""
    keys: dict[int, F32] = field(default_factory=dict)
    _last_seen: dict[int, int] = field(default_factory=dict)
    _next: int = 0
    _clock: int = 0

    def distances(self, descriptors: F32) -> dict[int, float]:
        return {d: float(np.max(np.abs(descriptors - key) / SCALE)) for d, key in self.keys.items()}

    def assign(self, unit: F32) -> int:
        """The domain id of this batch (a new id when no known domain is near)."""
        descriptors = batch_descriptors(unit)
        self._clock += 1
        near = self.distances(descriptors)
        best = min(near, key=near.__getitem__) if near else None
        if best is not None and near[best] <= self.threshold:
            self.keys[best] = (1 - self.momentum) * self.keys[best] + self.momentum * descriptors
        else:
            best, self._next = self._next, self._next + 1
            self.keys[best] = descriptors
            if len(self.keys) > self.capacity:
                oldest = min(self._last_seen, key=self._last_seen.__getitem__)
                self.keys.pop(oldest)
                self._last_seen.pop(oldest)
        self._last_seen[best] = self._clock
        return best
