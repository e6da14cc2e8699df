"""``[link_faults]`` in the node config: delay, jitter, loss and bandwidth injected into what
this node sends, per peer address. Off by default; for tests and benches
(``node/net/link_faults.py`` applies it; docs/architecture.md §10 says why it is there).

A rule is one string, ``HOST key=value ...``: HOST is an IPv4 or IPv6 address, a network
(``10.77.0.0/24``) or ``*``; the first rule whose HOST matches a connection's remote
address shapes everything this node writes on that connection. Keys: ``delay_ms`` (one-way
delay), ``jitter_ms`` (uniform in ±jitter, order kept), ``drop`` (probability that a
1448-byte segment is lost; TCP cannot lose bytes, so a loss is a retransmission stall of
``rto_ms``, and what follows waits behind it), ``rto_ms`` (default 200, Linux's minimum
RTO) and ``kbps`` (bandwidth in kilobits per second; 0: unlimited).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from node.config.errors import ConfigError

KEYS = ("delay_ms", "jitter_ms", "drop", "rto_ms", "kbps")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LinkFault:
    """One rule, parsed: seconds, a probability and bytes per second."""

    network: IPNetwork | None
    """The remote addresses it applies to; None: every address."""
    delay: float = 0.0
    jitter: float = 0.0
    drop: float = 0.0
    rto: float = 0.2
    rate: float = 0.0
    """Bytes per second; 0: unlimited."""

    def matches(self, host: str) -> bool:
        if self.network is None:
            return True
        try:
            return ipaddress.ip_address(host) in self.network
        except ValueError:
            return False


def parse_rule(text: str, key: str = "link_faults.rules") -> LinkFault:
    """Parse ``HOST key=value ...`` or raise ConfigError naming ``key``."""
    words = text.split()
    if not words:
        raise ConfigError(f"{key}: an empty rule")
    host, *pairs = words
    try:
        network = None if host == "*" else ipaddress.ip_network(host, strict=False)
    except ValueError:
        raise ConfigError(f"{key}: {host!r} is not an address, a network or *") from None
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in KEYS:
            raise ConfigError(f"{key}: unknown setting {pair!r} (known: {', '.join(KEYS)})")
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{key}: {name} must be a number, got {raw!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"{key}: {name} must be a finite number >= 0, got {raw!r}")
        values[name] = value
    if values.get("drop", 0.0) > 0.5:
        raise ConfigError(f"{key}: drop must be at most 0.5")
    if values.get("delay_ms", 0.0) > 10_000 or values.get("rto_ms", 0.0) > 10_000:
        raise ConfigError(f"{key}: delay_ms and rto_ms must be at most 10000")
    if values.get("jitter_ms", 0.0) > values.get("delay_ms", 0.0):
        raise ConfigError(f"{key}: jitter_ms must not exceed delay_ms")
    return LinkFault(
        network=network,
        delay=values.get("delay_ms", 0.0) / 1000,
        jitter=values.get("jitter_ms", 0.0) / 1000,
        drop=values.get("drop", 0.0),
        rto=values.get("rto_ms", 200.0) / 1000,
        rate=values.get("kbps", 0.0) * 1000 / 8,
    )


@dataclass(frozen=True)
class LinkFaultsConfig:
    """Faults injected into this node's outgoing bytes, per peer address (off: no rules)."""

    rules: tuple[str, ...] = ()
    """``HOST key=value ...`` strings, first match wins: e.g.
    ``["10.77.0.3 delay_ms=50 jitter_ms=10", "* drop=0.05 kbps=1000"]``. Empty: no fault
    layer at all (py-libp2p's TCP transport as is)."""
    seed: int = 0
    """Seed of the jitter and loss draws (each connection draws from its own stream)."""

    def __post_init__(self) -> None:
        self.faults()  # a bad rule is a config error at load, not at the first connection

    def faults(self) -> tuple[LinkFault, ...]:
        """The rules, parsed, in order."""
        return tuple(
            parse_rule(rule, f"link_faults.rules[{i}]") for i, rule in enumerate(self.rules)
        )
