"""The status report: the daemon's ``NodeStatus`` section, assembled and written.

Every ``status_interval`` the watches' news become events, the store's counts and size and
each peer's traffic are read, and the snapshot is written to the ``status`` table (the CLI,
the TUI and the metrics endpoint read it there); the history writer's probe reads the same.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec
import trio

from node.config.settings import NodeConfig
from node.net.directions import connection_directions
from node.net.host import P2PNode
from node.runtime.catchup import Catchup
from node.runtime.clock_watch import ClockWatch
from node.runtime.context import Service
from node.runtime.control_wake import ControlWake
from node.runtime.discovery import Discovery
from node.runtime.equivocation import EquivocationWatch
from node.runtime.history import HistoryWriter, Probe
from node.runtime.peer_stats import their_lags
from node.runtime.recovery import Recovery
from node.runtime.store_guard import StoreGuard
from node.store.database import Store
from node.wire.status.codec import encode_section
from node.wire.status.history import HistoryStatus
from node.wire.status.node import NodeStatus, PeerTrafficStatus
from node.wire.status.services import ServiceStatus

T = TypeVar("T")


class Reported(Protocol):
    """What the report reads of the daemon it runs in (``node.runtime.daemon.Daemon``)."""

    config: NodeConfig
    services: list[Service]
    store: Store
    p2p: P2PNode
    guard: StoreGuard
    catchup: Catchup
    discovery: Discovery
    control_wake: ControlWake
    equivocation: EquivocationWatch
    recovery: Recovery
    clocks: ClockWatch
    history: HistoryWriter | None
    sections: dict[str, ServiceStatus]

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...


class StatusReport:
    """One daemon's ``NodeStatus``: the last store readings and the snapshot built from them."""

    def __init__(self, node: Reported) -> None:
        self.node = node
        self._started = time.time()
        self._stored_counts: dict[str, int] = {}
        self._store_bytes = 0
        self._peer_traffic: dict[str, PeerTrafficStatus] = {}

    async def run(self) -> None:
        while True:
            await trio.sleep(self.node.config.status_interval)
            await self.write()

    async def write(self) -> None:
        node = self.node
        watches = (("authorlog", node.equivocation), ("authorlog", node.recovery))
        for kind, watch in (*watches, ("discovery", node.discovery)):
            for level, message in watch.news():
                await node.db(node.store.add_event, kind, message, level=level)
        for level, message in node.clocks.news():
            await node.db(node.store.add_event, "clock", message, level=level)
        self._stored_counts = await node.db(node.store.topics)
        self._store_bytes = size = await node.db(node.store.size_bytes)
        directions = connection_directions(node.p2p.host)
        traffic, cursors = node.catchup.stats.status(directions)
        self._peer_traffic = await node.db(their_lags, node.store, traffic, cursors)
        status = self.snapshot(running=True)
        status.store_bytes = size
        await node.db(node.store.write_status, NodeStatus.SECTION, encode_section(status))

    def probe(self) -> Probe:
        rejections = self.node.p2p.guard.totals
        peers = len(self.node.p2p.connected_peers())
        sections, full = dict(self.node.sections), self.node.guard.health.full
        return Probe(peers, dict(rejections), self._store_bytes, sections, store_full=full)

    def snapshot(self, *, running: bool) -> NodeStatus:
        node = self.node
        return NodeStatus(
            **msgspec.structs.asdict(node.p2p.status()),
            **msgspec.structs.asdict(node.guard.status()),
            running=running,
            pid=os.getpid(),
            role=node.config.role,
            data_dir=str(node.config.data_dir),
            uptime_s=round(time.time() - self._started, 1),
            records=self._stored_counts,
            services=[s.name for s in node.services],
            catchup=node.catchup.status(),
            discovery=node.discovery.status(),
            control=node.control_wake.status(),
            equivocation=node.equivocation.status(),
            recovery=node.recovery.status(),
            clock=node.clocks.status(),
            peer_traffic=self._peer_traffic,
            history=HistoryStatus() if node.history is None else node.history.status(),
            # A device node must never have loaded these (docs/architecture.md §1); tests check it.
            heavy_modules=sorted(m for m in ("torch", "textual") if m in sys.modules),
        )
