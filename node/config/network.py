"""``[discovery]`` and ``[liveness]`` in the node config: finding peers beyond the
bootstrap and noticing dead ones (node/runtime/discovery.py, node/net/liveness.py).

Their own module so ``settings.py`` stays under the size rule; ``settings.py`` maps the
tables onto these like every other section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from node.config.errors import ConfigError


@dataclass(frozen=True)
class DiscoveryConfig:
    """Peer exchange over ``/byteswarm/peers/1.1.0`` and the dialer that uses it."""

    enabled: bool = True
    """Ask peers for peers and dial them; off: only the bootstrap peers are dialed."""
    target_degree: int = 6
    """Connected peers the dialer keeps (at least ``gossip.degree_low`` for a full mesh)."""
    max_known: int = 1000
    """Peers the book holds (verified and hinted); a new hint evicts only a failed one."""
    max_per_source: int = 16
    """Unverified peers one answering peer may place in our book (a Sybil fills no more)."""
    exchange_interval: float = 30.0
    """Seconds between two peer exchanges with one peer (the first right after connect)."""
    dial_timeout: float = 5.0
    """Seconds before a dial is abandoned."""
    max_dials: int = 4
    """Dials in flight at once."""
    max_backoff: float = 300.0
    """Cap of a peer's dial backoff (doubling from 1 s per failed dial)."""
    redial_max_backoff: float = 2.0
    """Cap of the backoff for a peer we were connected to in the last ``redial_window``
    seconds: a healed link is redialed within this long."""
    redial_window: float = 600.0
    """How long a lost peer is redialed at the short backoff."""
    high_water: int = 12
    """Above this many connections the node closes its surplus down to ``low_water``
    (node/runtime/conn_manager.py) and answers the peer exchange with "full"."""
    low_water: int = 8
    """Connections kept after a trim (at least ``target_degree``)."""
    trim_grace: float = 3.0
    """Seconds a new connection is never trimmed (a joiner first gets its peers)."""
    trim_interval: float = 2.0
    """Seconds between two trims at most."""
    full_backoff: float = 300.0
    """Seconds a peer that said "full" is not redialed once it closed our link."""

    def __post_init__(self) -> None:
        counts = ("target_degree", "max_known", "max_per_source", "max_dials", "high_water")
        for name in counts:
            if not 1 <= getattr(self, name) <= 100_000:
                raise ConfigError(f"discovery.{name}: must be between 1 and 100000")
        if not 0 < self.redial_window < math.inf:
            raise ConfigError("discovery.redial_window: must be positive and finite")
        if not self.target_degree <= self.low_water < self.high_water:
            raise ConfigError("discovery: need target_degree <= low_water < high_water")
        if not 0 <= self.trim_grace <= 3600:
            raise ConfigError("discovery.trim_grace: must be in [0, 3600]")
        if 0 < self.max_backoff < self.redial_max_backoff:
            raise ConfigError("discovery.redial_max_backoff: must not exceed max_backoff")


@dataclass(frozen=True)
class LivenessConfig:
    """Pings on a kept ``/ipfs/ping/1.0.0`` stream per connection."""

    ping_interval: float = 3.0
    """Seconds between two pings on one connection."""
    ping_timeout: float = 8.0
    """A connection whose peer does not echo a ping within this many seconds is closed (a
    dead peer is noticed within ``ping_interval + ping_timeout``)."""


def check_connections(discovery: DiscoveryConfig, max_connections: int) -> None:
    """The high-water mark must leave room for joiners below ``peer_limits.max_connections``."""
    if discovery.high_water >= max_connections:
        raise ConfigError("discovery.high_water: must be below peer_limits.max_connections")
