"""A continual stream of corruption domains, in batches of uint8 images, never reset."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.adapt.corruptions import STREAM_DOMAINS, corrupt
from models.adapt.digits import to_uint8
from models.adapt.unseen import UNSEEN_CORRUPTIONS

F32 = NDArray[np.float32]


def apply_domain(x: F32, domain: str, severity: int, rng: np.random.Generator) -> F32:
    """One named domain of either split ("clean" is the identity)."""
    if domain in UNSEEN_CORRUPTIONS:
        return UNSEEN_CORRUPTIONS[domain](x, severity, rng)
    return corrupt(x, domain, severity, rng)


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
    segment_batches: tuple[int, int] | None = None
    """None: each domain once, in order. (lo, hi): the reordered stream; every domain's
    batches are cut into segments of lo..hi batches, and the segments of all domains are
    shuffled so that a domain comes back many times and never twice in a row."""


def domain_stream(
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    config: StreamConfig,
    seed: int,
) -> Iterator[StreamBatch]:
    """Yield every batch of every domain in order; the same seed gives the same stream."""
    rng = np.random.default_rng(seed)
    n = min(config.images_per_domain, len(labels))
    if config.segment_batches is not None:
        yield from _reordered(images, labels, config, rng, n)
        return
    for d, name in enumerate(config.domains):
        order = rng.permutation(len(labels))[:n]
        unit = images[order].astype(np.float32) / np.float32(255.0)  # (n, 16, 16)
        shifted = to_uint8(apply_domain(unit, name, config.severity, rng))
        for b, start in enumerate(range(0, n, config.batch_size)):
            sl = slice(start, start + config.batch_size)
            yield StreamBatch(name, d, b, shifted[sl], labels[order][sl])


def segment_order(
    domains: int, batches: int, lengths: tuple[int, int], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """(domain index, segment length in batches), every domain's lengths summing to
    `batches`, shuffled until no domain follows itself."""
    lo, hi = lengths
    segments = []
    for d in range(domains):
        left = batches
        while left > 0:
            size = min(left, int(rng.integers(lo, hi + 1)))
            segments.append((d, size))
            left -= size
    for _ in range(1000):
        order = [segments[i] for i in rng.permutation(len(segments))]
        if all(a[0] != b[0] for a, b in itertools.pairwise(order)):
            return order
    raise ValueError("cannot order segments without repeats; use more domains")


def _reordered(
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    config: StreamConfig,
    rng: np.random.Generator,
    n: int,
) -> Iterator[StreamBatch]:
    assert config.segment_batches is not None
    batches = max(1, n // config.batch_size)
    seen = [0] * len(config.domains)
    for d, size in segment_order(len(config.domains), batches, config.segment_batches, rng):
        name = config.domains[d]
        order = rng.permutation(len(labels))[: size * config.batch_size]
        unit = images[order].astype(np.float32) / np.float32(255.0)
        shifted = to_uint8(apply_domain(unit, name, config.severity, rng))
        for start in range(0, len(order), config.batch_size):
            sl = slice(start, start + config.batch_size)
            yield StreamBatch(name, d, seen[d], shifted[sl], labels[order][sl])
            seen[d] += 1


def materialise(
    images: NDArray[np.uint8], labels: NDArray[np.int64], config: StreamConfig, seed: int
) -> Sequence[StreamBatch]:
    """The whole stream as a list, so that every method in a run sees identical batches."""
    return list(domain_stream(images, labels, config, seed))
