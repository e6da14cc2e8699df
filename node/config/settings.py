"""Node configuration: a TOML file mapped onto frozen dataclasses.

Every field has a default, so ``byteswarm run`` works with no file at all. Unknown keys
and values of the wrong type are errors that name the offending key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from node.config.authorlog import AuthorLogConfig, ClockConfig
from node.config.errors import ConfigError
from node.config.link_faults import LinkFaultsConfig
from node.config.mapping import build
from node.config.network import DiscoveryConfig, LivenessConfig, check_connections
from node.config.services import AdaptConfig, FinetuneConfig, RankSettings
from node.config.store import StoreConfig

Role = Literal["device", "cloud"]
DATA_DIR_ENV = "BYTESWARM_DATA_DIR"
STORE_FILE = "node.db"
"""The SQLite store's file name inside a node's data dir."""


def default_data_dir() -> Path:
    """``$BYTESWARM_DATA_DIR`` if set, else the platform's user data dir."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("byteswarm", appauthor=False))


@dataclass(frozen=True)
class GossipConfig:
    """Gossipsub parameters; py-libp2p's defaults are unsafe, so every one is explicit."""

    heartbeat_interval: float = 1.0
    """Seconds between mesh heartbeats (py-libp2p defaults to 120 s; the spec says 1 s)."""
    degree: int = 6
    """Target mesh degree D."""
    degree_low: int = 4
    """Lower bound D_lo before the heartbeat grafts more peers."""
    degree_high: int = 12
    """Upper bound D_hi before the heartbeat prunes peers."""
    max_messages_per_topic_per_second: float = 100.0
    """Per-forwarder spam limit; set well above a full round of records (py-libp2p: ~10)."""
    publish_interval: float = 1.0
    """Seconds between two publishes from the paced queue. py-libp2p's cost is per message
    (a hub forwarding one-record messages saturated at ~45 messages/s in bench/gossip.py),
    so records wait up to this long to share a message."""
    max_batch_records: int = 64
    """Records packed into one gossip message."""
    max_message_bytes: int = 256 * 1024
    """Largest gossip message we send or accept (well under libp2p's 1 MiB)."""


@dataclass(frozen=True)
class SyncConfig:
    """Request/response catch-up over the stored record log."""

    interval: float = 5.0
    """Seconds between heads checks of each connected peer while the swarm is active."""
    idle_max_interval: float = 60.0
    """While a peer is quiet the delay between its heads checks doubles, up to this many
    seconds (never below ``interval``: a longer ``interval`` alone means no backoff); a new
    record, or a check that finds one, drops it back to ``interval``."""
    max_records: int = 256
    """Records returned by one sync response."""
    max_response_bytes: int = 512 * 1024
    """Largest sync response we send or read."""
    timeout: float = 10.0
    """Seconds before a sync request is abandoned."""
    max_in_flight: int = 6
    """Peers catch-up asks at once; a peer that has not answered within ``stall_after``
    seconds stops counting (its request runs on to ``timeout``; 4 × this many in all)."""
    stall_after: float = 1.0
    """Seconds after which an unanswered catch-up request frees its slot for another peer."""
    failure_max_interval: float = 300.0
    """Cap of a failing peer's own backoff (doubling from ``interval`` per failed visit)."""


@dataclass(frozen=True)
class PeerLimits:
    """Per-peer token bucket that runs before any signature check, and peer scores."""

    rate: float = 200.0
    """Records per second refilled per peer."""
    burst: float = 1000.0
    """Bucket capacity."""
    graylist_score: float = -100.0
    """Below this score a peer's gossip and requests are ignored (gossipsub v1.1 graylist)."""
    ban_score: float = -400.0
    """Below this score a peer is disconnected and refused for ``ban_seconds``."""
    ban_seconds: float = 600.0
    """How long a banned peer is refused."""
    max_connections: int = 200
    """Connections in all (inbound and outbound)."""
    max_connections_per_peer: int = 2
    """Connections one peer may hold to us at once."""
    request_read_timeout: float = 4.0
    """Seconds a peer has to deliver a request frame it has begun (a stalled request
    counts against it as a request error); answering has ``[sync] timeout``."""


@dataclass(frozen=True)
class MetricsConfig:
    """The opt-in Prometheus endpoint."""

    listen: str = ""
    """``host:port`` to serve ``/metrics`` on (e.g. ``127.0.0.1:9464``); empty: off."""


@dataclass(frozen=True)
class HistoryConfig:
    """The per-second history the TUI draws (``node/runtime/history.py``)."""

    enabled: bool = True
    """Write one row a second to the store's ``history`` table."""
    retention_hours: float = 48.0
    """Rows older than this are deleted by the writer (in small batches); in (0, 8760]."""
    write_every: float = 5.0
    """Seconds of samples the writer buffers before one store transaction; in [1, 60]."""


@dataclass(frozen=True)
class NodeConfig:
    """The whole node configuration."""

    data_dir: Path = field(default_factory=default_data_dir)
    """Where the identity key and the SQLite store live."""
    listen: tuple[str, ...] = ("/ip4/127.0.0.1/tcp/0",)
    """Multiaddrs to listen on; port 0 lets the OS choose."""
    bootstrap: tuple[str, ...] = ()
    """Multiaddrs (with /p2p/ID) of peers to dial at start and keep reconnecting to."""
    role: Role = "device"
    """``device`` runs forward passes only; ``cloud`` may run torch."""
    topics: tuple[str, ...] = ("byteswarm/chat",)
    """Gossip topics joined at start (services add their own)."""
    status_interval: float = 1.0
    """Seconds between status snapshots written to the store."""
    control_poll_interval: float = 0.25
    """Seconds between two looks at the control table when no caller wakes the daemon
    through the data dir's control socket (``node/runtime/control_socket.py``): a command queued by
    a caller that cannot reach the socket (a data-dir path too long for a socket address,
    a filesystem without sockets) waits up to this long."""
    reconnect_max_backoff: float = 30.0
    """Longest wait between two dials of a lost bootstrap peer."""
    gossip: GossipConfig = field(default_factory=GossipConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    peer_limits: PeerLimits = field(default_factory=PeerLimits)
    adapt: AdaptConfig = field(default_factory=AdaptConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    rank: RankSettings = field(default_factory=RankSettings)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    authorlog: AuthorLogConfig = field(default_factory=AuthorLogConfig)
    clock: ClockConfig = field(default_factory=ClockConfig)
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    liveness: LivenessConfig = field(default_factory=LivenessConfig)
    link_faults: LinkFaultsConfig = field(default_factory=LinkFaultsConfig)


def load_config(path: Path | None = None, **overrides: Any) -> NodeConfig:
    """Read ``path`` (if given) and apply non-None ``overrides`` on top."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    for key, value in overrides.items():
        if value is not None:
            raw[key] = value
    config: NodeConfig = build(NodeConfig, raw, prefix="")
    _check(config)
    return config


def _check_history(history: HistoryConfig) -> None:
    if not 0 < history.retention_hours <= 8760:
        raise ConfigError("history.retention_hours: must be in (0, 8760]")
    if not 1 <= history.write_every <= 60:
        raise ConfigError("history.write_every: must be in [1, 60]")


def _check_metrics(metrics: MetricsConfig) -> None:
    if not metrics.listen:
        return
    host, sep, port = metrics.listen.rpartition(":")
    if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"metrics.listen: expected host:port, got {metrics.listen!r}")


def _check_peer_limits(limits: PeerLimits) -> None:
    if not limits.ban_score < limits.graylist_score < 0:
        raise ConfigError("peer_limits: need ban_score < graylist_score < 0")
    if not 0 < limits.ban_seconds <= 7 * 86400:
        raise ConfigError("peer_limits.ban_seconds: must be in (0, 604800]")
    if not 1 <= limits.max_connections_per_peer <= limits.max_connections <= 10_000:
        raise ConfigError(
            "peer_limits: need 1 <= max_connections_per_peer <= max_connections <= 10000"
        )


DURATION_WORDS = ("interval", "timeout", "backoff")
"""A number field whose name holds one of these is a duration in seconds: it must be > 0."""


def duration_fields(section: Any, prefix: str) -> dict[str, float]:
    """Every duration field of ``section`` and its sub-tables, by dotted key."""
    found: dict[str, float] = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            found.update(duration_fields(value, f"{prefix}{f.name}."))
        elif isinstance(value, int | float) and any(w in f.name for w in DURATION_WORDS):
            found[prefix + f.name] = float(value)
    return found


def _check(config: NodeConfig) -> None:
    positive = {  # besides every duration (``duration_fields``)
        "gossip.max_messages_per_topic_per_second": (
            config.gossip.max_messages_per_topic_per_second
        ),
        "gossip.max_batch_records": config.gossip.max_batch_records,
        "sync.max_records": config.sync.max_records,
        "peer_limits.rate": config.peer_limits.rate,
        "peer_limits.burst": config.peer_limits.burst,
        "adapt.batch_size": config.adapt.batch_size,
        "adapt.norm_bound": config.adapt.norm_bound,
        "adapt.teacher_epochs": config.adapt.teacher_epochs,
    }
    positive.update(duration_fields(config, ""))
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{key}: must be positive, got {value}")
    _check_peer_limits(config.peer_limits)
    check_connections(config.discovery, config.peer_limits.max_connections)
    _check_metrics(config.metrics)
    _check_history(config.history)
    g = config.gossip
    if not 0 < g.degree_low <= g.degree <= g.degree_high:
        raise ConfigError(
            "gossip.degree: need 0 < degree_low <= degree <= degree_high, got "
            f"{g.degree_low} <= {g.degree} <= {g.degree_high}"
        )
    if not 0 < config.adapt.upload_fraction <= 1:
        raise ConfigError("adapt.upload_fraction: must be in (0, 1]")
    if not 1 <= config.adapt.severity <= 5:
        raise ConfigError("adapt.severity: must be between 1 and 5")
    if not 0 <= config.adapt.first_domain <= 255:
        raise ConfigError("adapt.first_domain: must be between 0 and 255")
    if not 1 <= config.adapt.batch_size <= 256:
        raise ConfigError("adapt.batch_size: must be between 1 and 256")
    if not 1024 <= g.max_message_bytes <= 900 * 1024:
        raise ConfigError("gossip.max_message_bytes: must be between 1 KiB and 900 KiB")
    if not 1024 <= config.sync.max_response_bytes <= 4 * 1024 * 1024:
        raise ConfigError("sync.max_response_bytes: must be between 1 KiB and 4 MiB")
