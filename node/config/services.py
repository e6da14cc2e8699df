"""The services' sections: ``[adapt]`` (cloud-device prompts), ``[rank]`` (G-Rank) and
``[finetune]`` (one-byte SPSA)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class AdaptConfig:
    """Cloud-device prompt adaptation (the ``adapt`` service)."""

    enabled: bool = True
    """Run the adapt service (device or cloud side by ``role``)."""
    cloud_peer: str = ""
    """Peer id of the cloud a device pairs with; empty: the latest cloud announced."""
    family: Literal["additive", "filter_feature", "warp_filter_feature"] = "warp_filter_feature"
    """Prompt family: an additive 16×16 image; a 3×3 input filter + feature scale/shift; or
    that plus an affine warp, one prompt per device domain (the default)."""
    measure: Literal["entropy", "tta", "mc_dropout", "random"] = "entropy"
    """How a device scores uncertainty to choose its uploads."""
    upload_fraction: float = 0.25
    """Share of each batch a device uploads (the most uncertain first)."""
    batch_interval: float = 2.0
    """Seconds between two batches of the device's simulated camera (the digits stream)."""
    batch_size: int = 50
    """Images per batch."""
    stream_seed: int = 0
    """Seed of the simulated corruption stream."""
    first_domain: int = 0
    """Which corruption domain the simulated stream starts with (an index into its order,
    modulo the number of domains); the others follow in order. The demo gives each device
    its own, so that a short run covers several domains."""
    severity: int = 5
    """Corruption severity of the simulated stream (1-5)."""
    norm_bound: float = 8.0
    """Largest L2 distance from the neutral prompt a device accepts."""
    teacher_epochs: int = 40
    """Training budget of the cloud's teacher (trained once, cached in the user cache dir)."""


@dataclass(frozen=True)
class RankSettings:
    """G-Rank (the ``rank`` service)."""

    preset: Literal[
        "byteswarm",
        "byteswarm_v2",
        "byteswarm_v3",
        "byteswarm_v4",
        "byteswarm_v5",
        "byteswarm_v6",
        "byteswarm_v7",
    ] = "byteswarm_v5"
    """Which ranking config: ``byteswarm_v5`` (the default since session 14: v4 with its
    metadata prior capped at two votes; docs/results.md), ``byteswarm_v6`` (session 16: the
    presets' best served ranking, not the default: every peer at or above the similarity floor
    counts one vote and the pages users are shown explore more, so those pages score lower
    than v5's), ``byteswarm_v7`` (session 17: v6 reading the pages users passed over without
    a click, ``byteswarm pass``, with v5's exploration width), ``byteswarm_v4`` (the default of
    session 13: v3's evidence, with the pages users are shown drawn from the posterior and a
    7,400-row half-life), ``byteswarm_v3`` (the default of session 12: v2's votes and
    exploration, with the matches ordered by click-or-skip attractiveness on a BM25 prior),
    ``byteswarm_v2`` (the default of sessions 4-11: recent-click votes, a
    half-life counted in click rows, exploration on users' pages), or ``byteswarm``, the
    defences of session 2 (one vote per author, a fixed 20,000 s half-life)."""


@dataclass(frozen=True)
class FinetuneConfig:
    """One-byte SPSA finetuning (the ``finetune`` service)."""

    backend: Literal["auto", "torch", "onnxruntime"] = "auto"
    """Forward passes: torch, or onnxruntime (no torch); auto = torch on a cloud, else ORT."""
    encoder_dir: Path | None = None
    """Where ``byteswarm train export-encoder`` wrote the ONNX encoders; default: user cache."""
    auto_join: bool = True
    """Join every run announced on the network whose model this node can load."""
