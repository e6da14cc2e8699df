"""``[authorlog]`` and ``[clock]`` in the node config: one author's log and the clock bound.

Its own module so ``settings.py`` stays small; ``settings.py`` maps both tables onto these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from node.config.errors import ConfigError


@dataclass(frozen=True)
class AuthorLogConfig:
    """One author, one log (docs/architecture.md §8): recovering our own heads from peers."""

    recovery_timeout: float = 10.0
    """Seconds a node whose key existed before this start, and whose store holds none of its
    own records (or lost some), waits for a peer to tell it how far its own log goes before
    its first publish; past it the node says so (an event and status) and publishes after
    what it knows itself."""

    def __post_init__(self) -> None:
        if self.recovery_timeout > 3600:  # > 0: like every duration, in settings._check
            raise ConfigError("authorlog.recovery_timeout: must be at most 3600")


@dataclass(frozen=True)
class ClockConfig:
    """How far this node's clock may be from its peers' before it says so."""

    max_offset: float = 30.0
    """Seconds: past this offset from a peer's clock (median of recent samples), the node
    warns once (event) and shows it in status; when a strict majority of ``min_hosts`` or
    more distinct hosts agree, the finetune round clock follows their median, up to
    ``max_correction``."""
    ping_interval: float = 30.0
    """Seconds between two clock round trips to each connected peer (one on connect)."""
    samples: int = 15
    """Recent samples per peer whose median is the offset estimate."""
    max_correction: float = 180.0
    """Seconds: the largest correction the finetune round clock applies; a larger one the
    peers agree on is not applied, and the node says it may not be contributing (0: never
    follow the peers)."""
    min_hosts: int = 2
    """Distinct hosts (peer IPs: many peer ids on one IP are one vote) needed to correct."""

    def __post_init__(self) -> None:
        if not 0 < self.max_offset < math.inf:
            raise ConfigError("clock.max_offset: must be positive, got " + str(self.max_offset))
        if not 0 <= self.max_correction <= 86400:
            raise ConfigError("clock.max_correction: must be in [0, 86400]")
        if not 2 <= self.min_hosts <= 1000:
            raise ConfigError("clock.min_hosts: must be between 2 and 1000")
        if not 1 <= self.samples <= 1000:
            raise ConfigError("clock.samples: must be between 1 and 1000")
