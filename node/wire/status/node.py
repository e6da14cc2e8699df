"""The ``node`` section: what the daemon says about itself every ``status_interval``.

The document is flat (``byteswarm status --json`` prints it as it is): ``NodeStatus``
extends ``P2PStatus`` (the host's part) with the daemon's own fields and the store's health.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from node.wire.base import Finite
from node.wire.status.authorlog import ClockStatus, EquivocationStatus, RecoveryStatus
from node.wire.status.history import HistoryStatus


class PeerGuardStatus(msgspec.Struct, kw_only=True):
    """One peer as the peer guard sees it."""

    score: Finite = 0.0
    banned: bool = False
    rejections: dict[str, int] = {}
    """Input refused from this peer, by cause."""


class GuardStatus(msgspec.Struct, kw_only=True):
    """Rejections by cause (all peers) and per peer (the newest 200 peers that had any)."""

    rejections: dict[str, int] = {}
    peers: dict[str, PeerGuardStatus] = {}


class P2PStatus(msgspec.Struct, kw_only=True):
    """The libp2p host: who we are, who we talk to, gossip and request counters."""

    peer_id: str = ""
    listen_addrs: list[str] = []
    observed_addrs: list[str] = []
    """Our addresses as peers reported seeing them (identify)."""
    connected_peers: list[str] = []
    topics: dict[str, int] = {}
    """Mesh size per joined topic."""
    counters: dict[str, int] = {}
    """Gossip, sync and request counters by name (their names are open: handlers add
    ``<protocol>_served`` / ``_errors``)."""
    peers: GuardStatus = msgspec.field(default_factory=GuardStatus)


class DiscoveryStatus(msgspec.Struct, kw_only=True):
    """Peer exchange, the peer book and liveness (``node/runtime/discovery.py``)."""

    known: int = 0
    verified: int = 0
    """Peers reached at an address we confirmed (only those are passed on)."""
    hints: int = 0
    connected: int = 0
    target: int = 0
    dialing: list[str] = []
    needs: str = ""
    """A role this node lacks among its connected peers ("cloud" for a device), or ""."""
    roles: dict[str, str] = {}
    ping_rtt_ms: dict[str, Finite] = {}
    exchanges: int = 0
    dials: int = 0
    dial_failures: int = 0
    high_water: int = 0
    """Above this many connections the node trims its surplus (node/runtime/conn_manager.py)."""
    trims: int = 0
    trimmed: int = 0
    """Connections closed by trims in all."""
    full_answers: int = 0
    """Peer-exchange answers we sent marked "full"."""
    told_full: int = 0
    """Answers we received marked "full" (their sender may close our link)."""


class PullPeerStatus(msgspec.Struct, kw_only=True):
    """Catch-up's view of one connected peer."""

    timeouts: int = 0
    errors: int = 0
    last_success: Finite | None = None
    """Trio time of the last pull that answered (None: never)."""
    backoff_s: Finite = 0.0
    failing_streak: int = 0
    visiting: bool = False


class CatchupStatus(msgspec.Struct, kw_only=True):
    in_flight: int = 0
    peers: dict[str, PullPeerStatus] = {}


class ControlStatus(msgspec.Struct, kw_only=True):
    """The control socket: whether it listens, callers now, passes woken by a caller or by
    the poll interval, callers refused."""

    socket: bool = False
    callers: int = 0
    woken: int = 0
    polled: int = 0
    refused: int = 0


class StoreHealthStatus(msgspec.Struct, kw_only=True):
    """The store's bounds at work (``node/store/health.py``, ``node/runtime/store_guard.py``)."""

    store: str = "ok"
    """ok, ceiling (over the size ceiling: refusing new authors' records) or full (read-only)."""
    store_live_bytes: int = 0
    store_ceiling_bytes: int = 0
    store_refused: dict[str, int] = {}
    """Records refused by cause (quota, retention, ceiling, full)."""
    store_swept: int = 0
    store_loss: dict[str, int] = {}
    """Topics whose own records the store lost, with the highest lost seq (empty: none)."""


class PeerTrafficStatus(msgspec.Struct, kw_only=True):
    """One peer's records and sync lag (``node/runtime/peer_stats.py`` defines each)."""

    direction: str = ""
    """Our connections to it: inbound, outbound, both; "" while not connected."""
    records_in: int = 0
    """New records the store took from it (its pull answers and samples, its gossip)."""
    records_out: int = 0
    """Records we answered its pulls and samples with."""
    sent: dict[str, int] = {}
    """``records_in`` by topic."""
    behind_topics: int = 0
    """Topics whose log at it went past our cursor at its last heads check, not yet pulled."""
    behind_s: Finite = 0.0
    """How long the oldest of those has waited (0: in sync)."""
    their_lag: int | None = None
    """Records stored here after the cursors our answers gave it (None: it never pulled)."""


class NodeStatus(P2PStatus, kw_only=True):
    """The ``node`` section. ``age_s`` is the reader's: seconds since the row was written
    (the daemon writes 0); a reader also turns ``running`` off for a stale snapshot."""

    SECTION: ClassVar[str] = "node"

    running: bool = False
    pid: int = 0
    role: str = "device"
    data_dir: str = ""
    uptime_s: Finite = 0.0
    records: dict[str, int] = {}
    """Stored records per topic."""
    services: list[str] = []
    catchup: CatchupStatus = msgspec.field(default_factory=CatchupStatus)
    control: ControlStatus = msgspec.field(default_factory=ControlStatus)
    discovery: DiscoveryStatus = msgspec.field(default_factory=DiscoveryStatus)
    equivocation: EquivocationStatus = msgspec.field(default_factory=EquivocationStatus)
    recovery: RecoveryStatus = msgspec.field(default_factory=RecoveryStatus)
    clock: ClockStatus = msgspec.field(default_factory=ClockStatus)
    peer_traffic: dict[str, PeerTrafficStatus] = {}
    """Per peer (the 200 most recently active, and every connected one)."""
    history: HistoryStatus = msgspec.field(default_factory=HistoryStatus)
    heavy_modules: list[str] = []
    """torch / textual if loaded (a device node must have neither)."""
    store: str = "ok"
    store_live_bytes: int = 0
    store_ceiling_bytes: int = 0
    store_refused: dict[str, int] = {}
    store_swept: int = 0
    store_loss: dict[str, int] = {}
    store_bytes: int | None = None
    """The store file's size (None in the last snapshot a stopping daemon writes)."""
    age_s: Finite = 0.0
