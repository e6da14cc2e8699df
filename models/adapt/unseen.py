"""The unseen split: corruption families no setting was ever chosen on.

Written before any tuning run and not changed after it (git history shows the order).
Two families per kind, none a variant of a tuned one:

- photometric — ``gamma`` (a power curve), ``lighting`` (an illumination ramp with glare);
- geometric   — ``shear`` (sheared and shrunk), ``zoom_out_corner`` (shrunk towards a
  corner); the geometry is shared by the whole domain (a camera that moved) with ±0.5 px
  per image, as for the tuned ``shift``/``zoom``;
- occlusion   — ``occlusion`` (a grey square per image), ``scratches`` (bright lines);
- noise       — ``speckle`` (multiplicative, with a little on the background), ``shot``
  (Poisson photon noise).

Same signature as ``corruptions.py``: (N, H, W) float32 in [0, 1] -> same, severity 1..5.
"""

from __future__ import annotations

import numpy as np

from models.adapt.corruptions import F32, Corruption, clip01, jitter, level
from models.adapt.imaging import affine

UNSEEN_DOMAINS: tuple[str, ...] = (
    "gamma",
    "occlusion",
    "shear",
    "speckle",
    "lighting",
    "scratches",
    "zoom_out_corner",
    "shot",
)


def gamma(x: F32, severity: int, rng: np.random.Generator) -> F32:
    g = level((1.6, 2.0, 2.5, 3.0, 4.0), severity)
    return clip01(np.power(x, g))


def lighting(x: F32, severity: int, rng: np.random.Generator) -> F32:
    """A linear light ramp in a random direction per image: the dark side dims the ink,
    the bright side adds glare."""
    low = level((0.6, 0.45, 0.3, 0.2, 0.1), severity)
    glare = level((0.1, 0.15, 0.2, 0.28, 0.35), severity)
    n, h, w = x.shape
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    yy, xx = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / np.sqrt(2) * 0.5 + 0.5  # (N, H, W)
    return clip01(x * (low + (1 - low) * ramp) + glare * ramp)


def shear(x: F32, severity: int, rng: np.random.Generator) -> F32:
    k = level((0.15, 0.25, 0.35, 0.45, 0.55), severity)
    matrix = np.array([[1.1, 0.0, 0.0], [k, 1.1, 0.0]])  # x reads x + k·y; 10 % smaller
    return clip01(affine(x, matrix + jitter(len(x), rng)))


def zoom_out_corner(x: F32, severity: int, rng: np.random.Generator) -> F32:
    z = level((0.85, 0.8, 0.75, 0.7, 0.62), severity)
    d = level((1.0, 1.5, 2.0, 2.5, 3.0), severity)
    matrix = np.array([[1 / z, 0.0, -d / z], [0.0, 1 / z, d / z]])  # towards bottom-left
    return clip01(affine(x, matrix + jitter(len(x), rng)))


def occlusion(x: F32, severity: int, rng: np.random.Generator) -> F32:
    side = int(level((4, 5, 6, 7, 8), severity))
    n, h, w = x.shape
    out = x.copy()
    top = rng.integers(2, h - side - 1, n)
    left = rng.integers(2, w - side - 1, n)
    grey = np.asarray(rng.uniform(0.0, 1.0, n), np.float32)
    for i in range(n):
        out[i, top[i] : top[i] + side, left[i] : left[i] + side] = grey[i]
    return clip01(out)


def scratches(x: F32, severity: int, rng: np.random.Generator) -> F32:
    lines = int(level((1, 2, 2, 3, 4), severity))
    n, h, w = x.shape
    out = x.copy()
    for i in range(n):
        for _ in range(lines):
            if rng.uniform() < 0.5:
                out[i, rng.integers(1, h - 1), :] = 1.0
            else:
                out[i, :, rng.integers(1, w - 1)] = 1.0
    return clip01(out)


def speckle(x: F32, severity: int, rng: np.random.Generator) -> F32:
    c = level((0.2, 0.3, 0.45, 0.6, 0.8), severity)
    return clip01(x + (x + 0.15) * rng.normal(0.0, c, x.shape))


def shot(x: F32, severity: int, rng: np.random.Generator) -> F32:
    photons = level((30.0, 15.0, 8.0, 5.0, 3.0), severity)
    return clip01(rng.poisson(x * photons) / photons)


UNSEEN_CORRUPTIONS: dict[str, Corruption] = {
    "gamma": gamma,
    "lighting": lighting,
    "shear": shear,
    "zoom_out_corner": zoom_out_corner,
    "occlusion": occlusion,
    "scratches": scratches,
    "speckle": speckle,
    "shot": shot,
}
