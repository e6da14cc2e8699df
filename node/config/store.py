"""``[store]`` in the node config: quotas, retention, a ceiling and full-disk handling.

Its own module so ``settings.py`` stays under the size rule; ``settings.py`` imports it
and maps the ``[store]`` table onto it like every other section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from node.config.errors import ConfigError


@dataclass(frozen=True)
class StoreConfig:
    """Bounds on the store.

    Topics fall in classes: notes (``byteswarm/*``: notes, chat), clicks (``rank/clicks``)
    and other (adapt, ...). ``finetune/*`` records are never refused by quota or swept: a
    run's records are bounded by its rounds (``wire.MAX_ROUNDS``) and needed while it is
    live. A node's own records are never swept or refused. Retention 0 keeps records forever.
    """

    ceiling_bytes: int = 1 << 30
    """Above this many bytes of live pages the node refuses relayed records (its own
    publishes still commit); status says ``store: "ceiling"``."""
    notes_per_author: int = 10_000
    """Records one author may hold in one notes topic; more are refused at ingest."""
    notes_retention_days: float = 30.0
    """Notes older than this (by the earlier of their time and arrival) are swept."""
    clicks_per_author: int = 20_000
    """Click rows one author may hold (G-Rank's votes come from the network's newest rows:
    20 half-lives are ~9k rows with ``byteswarm_v2``'s 460, ~37k with ``byteswarm_v3``'s
    1,850, ~148k with ``byteswarm_v4`` and ``byteswarm_v5``'s 7,400, ~400k with
    ``byteswarm_v6``'s 20,000, counted over all authors)."""
    clicks_retention_days: float = 90.0
    """Click rows older than this are swept (at a network rate of one click an hour a
    vote this old weighs ~4 % in ``byteswarm_v2``, ~45 % in ``byteswarm_v3``, ~82 % in
    ``byteswarm_v4`` and ``byteswarm_v5``, ~93 % in ``byteswarm_v6``; a ``byteswarm`` one
    nothing)."""
    other_per_author: int = 10_000
    """Records per author and topic for the other topics (adapt, ...)."""
    other_retention_days: float = 30.0
    """Retention of the other topics."""
    sweep_interval: float = 60.0
    """Seconds between two retention sweeps (each deletes in bounded batches)."""
    probe_interval: float = 5.0
    """Seconds between two checks for free space while the store is full."""
    accept_loss: bool = False
    """Publish although the store lacks records this identity published before (a lost or
    emptied ``node.db``): new records continue after the highest seq ``published.json``
    recorded, never reusing one. Without it the node refuses to publish on such a topic
    until its own records have re-synced from peers."""

    def __post_init__(self) -> None:
        counts = ("ceiling_bytes", "notes_per_author", "clicks_per_author", "other_per_author")
        for name in counts:
            if getattr(self, name) <= 0:
                raise ConfigError(f"store.{name}: must be positive")
        for name in ("sweep_interval", "probe_interval"):
            if not 0 < getattr(self, name) < math.inf:
                raise ConfigError(f"store.{name}: must be positive and finite")
        for name in ("notes_retention_days", "clicks_retention_days", "other_retention_days"):
            if not 0 <= getattr(self, name) < math.inf:
                raise ConfigError(f"store.{name}: must be a number >= 0 (0: keep forever)")
