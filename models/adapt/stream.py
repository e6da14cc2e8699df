"""A continual stream of corruption domains, in batches of uint8 images, never reset."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.adapt.corruptions import STREAM_DOMAINS, corrupt
from models.adapt.digits import to_uint8


@dataclass(frozen=True)
class StreamBatch:
    """One arrival: `images` uint8 (B, 16, 16) as on the wire, `labels` for scoring only."""

    domain: str
    domain_index: int
    batch_index: int
    images: NDArray[np.uint8]
    labels: NDArray[np.int64]


@dataclass(frozen=True)
class StreamConfig:
    domains: tuple[str, ...] = STREAM_DOMAINS
    """Domains in arrival order; the model state carries over from one to the next."""
    severity: int = 5
    """1..5, the strength of every corruption."""
    batch_size: int = 50
    """Images per arrival (the device's unit of prediction and upload)."""
    images_per_domain: int = 600
    """How many stream-pool images each domain shows (at most the pool size)."""


def domain_stream(
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    config: StreamConfig,
    seed: int,
) -> Iterator[StreamBatch]:
    """Yield every batch of every domain in order; the same seed gives the same stream."""
    rng = np.random.default_rng(seed)
    n = min(config.images_per_domain, len(labels))
    for d, name in enumerate(config.domains):
        order = rng.permutation(len(labels))[:n]
        unit = images[order].astype(np.float32) / np.float32(255.0)  # (n, 16, 16)
        shifted = to_uint8(corrupt(unit, name, config.severity, rng))
        for b, start in enumerate(range(0, n, config.batch_size)):
            sl = slice(start, start + config.batch_size)
            yield StreamBatch(name, d, b, shifted[sl], labels[order][sl])


def materialise(
    images: NDArray[np.uint8], labels: NDArray[np.int64], config: StreamConfig, seed: int
) -> Sequence[StreamBatch]:
    """The whole stream as a list, so that every method in a run sees identical batches."""
    return list(domain_stream(images, labels, config, seed))
