"""Corruption domains on float images in [0, 1]; severity 1..5 picks the strength.

Every function maps (N, H, W) float32 to (N, H, W) float32 in [0, 1] (the brightness
offset can skip the clip, for the pure-offset test) and draws its randomness from `rng`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from models.adapt.imaging import affine, gaussian_blur, resize_bilinear, resize_nearest, rotate

F32 = NDArray[np.float32]
Corruption = Callable[[F32, int, np.random.Generator], F32]

# the default stream: the order in which domains arrive
STREAM_DOMAINS: tuple[str, ...] = (
    "gaussian_noise",
    "blur",
    "fog",
    "contrast",
    "salt_pepper",
    "rotation",
    "pixelate",
    "dark",
)


def level(values: tuple[float, ...], severity: int) -> float:
    if not 1 <= severity <= len(values):
        raise ValueError(f"severity must be in 1..{len(values)}, got {severity}")
    return values[severity - 1]


def clip01(x: NDArray[np.floating]) -> F32:
    return np.asarray(np.clip(x, 0.0, 1.0), np.float32)


def gaussian_noise(x: F32, severity: int, rng: np.random.Generator) -> F32:
    sigma = level((0.08, 0.16, 0.24, 0.32, 0.4), severity)
    return clip01(x + rng.normal(0.0, sigma, x.shape))


def blur(x: F32, severity: int, rng: np.random.Generator) -> F32:
    return clip01(gaussian_blur(x, level((0.6, 0.8, 1.0, 1.2, 1.4), severity)))


def fog(x: F32, severity: int, rng: np.random.Generator) -> F32:
    """A smooth random haze (4×4 noise upsampled) added, then rescaled into [0, 1]."""
    strength = level((0.5, 0.8, 1.1, 1.4, 1.8), severity)
    coarse = rng.uniform(0.3, 1.0, (x.shape[0], 4, 4))
    haze = resize_bilinear(coarse, x.shape[-1])
    return clip01((x + strength * haze) / (1.0 + strength))


def contrast(x: F32, severity: int, rng: np.random.Generator) -> F32:
    factor = level((0.5, 0.4, 0.3, 0.2, 0.12), severity)
    mean = x.mean(axis=(1, 2), keepdims=True)
    return clip01((x - mean) * factor + mean)


def salt_pepper(x: F32, severity: int, rng: np.random.Generator) -> F32:
    fraction = level((0.04, 0.08, 0.12, 0.16, 0.22), severity)
    draw = rng.uniform(size=x.shape)
    out = np.where(draw < fraction / 2, 0.0, x)
    return clip01(np.where(draw > 1 - fraction / 2, 1.0, out))


def rotation(x: F32, severity: int, rng: np.random.Generator) -> F32:
    max_deg = level((15.0, 25.0, 35.0, 45.0, 60.0), severity)
    angles = rng.uniform(-max_deg, max_deg, x.shape[0]) * rng.choice([-1.0, 1.0], x.shape[0])
    return clip01(rotate(x, angles))


def jitter(n: int, rng: np.random.Generator, pixels: float = 0.5) -> NDArray[np.float64]:
    """(n, 2, 3) per-image translations of at most `pixels` (a hand-held camera)."""
    out = np.zeros((n, 2, 3))
    out[:, :, 2] = rng.uniform(-pixels, pixels, (n, 2))
    return out


def shift(x: F32, severity: int, rng: np.random.Generator) -> F32:
    """The whole domain moved down-right by a few pixels (a moved camera), ±0.5 px per image."""
    d = level((1.0, 1.5, 2.0, 2.5, 3.0), severity)
    matrix = np.array([[1.0, 0.0, -d], [0.0, 1.0, -d]])
    return clip01(affine(x, matrix + jitter(len(x), rng)))


def zoom(x: F32, severity: int, rng: np.random.Generator) -> F32:
    """The whole domain zoomed in about the centre, ±0.5 px per image."""
    z = level((1.1, 1.2, 1.3, 1.4, 1.5), severity)
    matrix = np.array([[1 / z, 0.0, 0.0], [0.0, 1 / z, 0.0]])
    return clip01(affine(x, matrix + jitter(len(x), rng)))


def pixelate(x: F32, severity: int, rng: np.random.Generator) -> F32:
    side = int(level((12, 10, 8, 6, 5), severity))
    return clip01(resize_nearest(resize_bilinear(x, side), x.shape[-1]))


def dark(x: F32, severity: int, rng: np.random.Generator) -> F32:
    factor = level((0.5, 0.4, 0.3, 0.2, 0.12), severity)
    return clip01(x * factor)


def brightness(x: F32, severity: int, rng: np.random.Generator) -> F32:
    """Additive offset, clipped; `brightness_offset` is the unclipped version."""
    return clip01(brightness_offset(x, level((0.1, 0.2, 0.3, 0.4, 0.5), severity)))


def brightness_offset(x: F32, offset: float) -> F32:
    """A pure offset (no clip): the domain an additive prompt can undo exactly."""
    return (x + np.float32(offset)).astype(np.float32)


CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": gaussian_noise,
    "blur": blur,
    "fog": fog,
    "contrast": contrast,
    "salt_pepper": salt_pepper,
    "rotation": rotation,
    "pixelate": pixelate,
    "dark": dark,
    "brightness": brightness,
    "shift": shift,
    "zoom": zoom,
}

# the tuned split: the default stream plus two shared-geometry domains (bench.adapt.tune
# chooses settings on these; bench.adapt.stream reports them beside the unseen split)
TUNED_DOMAINS: tuple[str, ...] = (*STREAM_DOMAINS, "shift", "zoom")


def corrupt(x: F32, domain: str, severity: int, rng: np.random.Generator) -> F32:
    """Apply one named tuned domain ("clean" is the identity); `stream.apply_domain` also
    knows the unseen ones."""
    if domain == "clean":
        return x.astype(np.float32)
    return CORRUPTIONS[domain](x, severity, rng)
