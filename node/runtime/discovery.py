"""Discovery: peers beyond the bootstrap, by asking the peers we have for theirs.

Each connected peer is asked for a sample of the peers it reached itself (the peer
exchange, node/runtime/peer_exchange.py); the answers go into the peer book
(node/runtime/peer_book.py: hints until a connection confirms them, capped per source and
in all). While fewer than ``discovery.target_degree`` peers are connected, or a device has
no cloud among them, the dialer takes candidates from the book, ``max_dials`` at a time,
each with its own backoff, never a banned peer.

Peers we connected to are written to the store's ``peers`` table (with the addresses they
announced, once identify has told us) and read back at start, so a node needs its
bootstrap address only once; losing the bootstrap node partitions no one. Liveness
(node/net/liveness.py) drops a peer that stops answering pings; the dialer redials it with
the short ``redial_max_backoff`` for ``redial_window`` seconds.

Above ``discovery.high_water`` connections the connection manager (conn_manager.py) closes
the surplus down to ``low_water``, and answers say "full": a peer told so and then closed
is not redialed (by the dialer or the bootstrap reconnector) for ``full_backoff`` seconds.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import trio

from node.config.settings import NodeConfig
from node.net.addresses import dialable, ip_of
from node.net.host import P2PError, P2PNode
from node.runtime.conn_manager import Link, TrimLimits, Trimmer, dial_want
from node.runtime.peer_book import BookLimits, Known, PeerBook
from node.runtime.peer_exchange import PeerExchange
from node.store.database import Store
from node.wire.peers import MAX_PEX_REQUEST_BYTES, PEX_PROTOCOL, Role
from node.wire.status.node import DiscoveryStatus

log = logging.getLogger("byteswarm.discovery")
T = TypeVar("T")
RECHECK = 5.0
"""Seconds between two reads of a connected peer's addresses (and last-seen time)."""
ADDRS_WAIT = 10.0
"""Seconds a new peer's row waits for identify's addresses before it is written anyway."""


class DiscoveryHost(Protocol):
    """What discovery needs of the daemon it runs in (``node.runtime.daemon.Daemon``)."""

    config: NodeConfig
    p2p: P2PNode
    store: Store

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...


def book_limits(config: NodeConfig) -> BookLimits:
    d = config.discovery
    return BookLimits(
        d.max_known, d.max_per_source, 1.0, d.max_backoff, d.redial_max_backoff, d.redial_window
    )


def trim_limits(config: NodeConfig) -> TrimLimits:
    d = config.discovery
    return TrimLimits(d.high_water, d.low_water, d.trim_grace, d.trim_interval, d.full_backoff)


class Discovery:
    """One node's dialer and connection bookkeeping; it runs the peer exchange (``pex``)."""

    def __init__(self, daemon: DiscoveryHost) -> None:
        self.daemon = daemon
        self.config = daemon.config.discovery
        self.role: Role = daemon.config.role
        adapt = daemon.config.adapt
        self.needs: Role = "cloud" if self.role == "device" and adapt.enabled else ""
        self.pinned = adapt.cloud_peer if self.needs else ""
        """``adapt.cloud_peer``: the one cloud this device pairs with, dialed first, kept."""
        self.book = PeerBook(daemon.p2p.peer_id, book_limits(daemon.config))
        self.connected: dict[str, float] = {}
        """Connected peers and when we saw them connect (monotonic)."""
        self.recorded: set[str] = set()
        """Connected peers whose row says so."""
        self.checked: dict[str, float] = {}
        """When each connected peer's addresses were last read (every ``RECHECK`` s)."""
        self.dialing: set[str] = set()
        self.counters: dict[str, int] = {"dials": 0, "dial_failures": 0}
        self.trimmer = Trimmer(trim_limits(daemon.config))
        self.pex = PeerExchange(
            daemon.p2p,
            self.book,
            self.trimmer,
            self.role,
            self.config,
            connected=lambda: len(self.connected),
            short=self._short,
        )

    def register(self) -> None:
        self.daemon.p2p.handle(PEX_PROTOCOL, self.serve, MAX_PEX_REQUEST_BYTES)

    async def serve(self, data: bytes, peer: str) -> bytes:
        """Answer a peer's request for peers (``PeerExchange.serve``)."""
        return await self.pex.serve(data, peer)

    async def exchange(self, peer: str) -> int:
        """Ask ``peer`` for peers; how many the book did not know (``PeerExchange``)."""
        return await self.pex.exchange(peer)

    # -- dialing ---------------------------------------------------------------------

    def _short(self) -> bool:
        """Fewer peers than the target, or none of the role we need."""
        return len(self.connected) < self.config.target_degree or bool(self._missing_role())

    def _missing_role(self) -> Role:
        if self.pinned:
            return self.needs if self.pinned not in self.connected else ""
        if self.needs and not any(self.book.role_of(p) == self.needs for p in self.connected):
            return self.needs
        return ""

    def to_dial(self, now: float) -> list[Known]:
        """Peers to dial now: up to the target degree, plus one of the role we lack."""
        role = self._missing_role()
        c = self.config
        want = dial_want(
            c.target_degree, len(self.connected), len(self.dialing), c.max_dials, bool(role)
        )
        if want <= 0:
            return []
        skip = set(self.connected) | self.dialing
        banned = self.daemon.p2p.guard.banned
        return self.book.candidates(now, skip, want, banned, role, first=self.pinned)

    async def _dial(self, known: Known) -> None:
        peer = known.peer_id
        self.counters["dials"] += 1
        try:
            await self.daemon.p2p.dial(peer, known.dial_addrs(), self.config.dial_timeout)
        except (P2PError, trio.TooSlowError) as exc:
            self.counters["dial_failures"] += 1
            delay = self.book.dial_failed(peer, trio.current_time())
            log.debug("dial %s failed (next in %.0f s): %s", peer, delay, exc)
        finally:
            self.dialing.discard(peer)

    # -- the loop --------------------------------------------------------------------

    async def restore(self) -> int:
        """Read the peers we were connected to before from the store."""
        rows = await self.daemon.db(self.daemon.store.list_peers)
        for row in rows[: self.config.max_known]:
            self.book.restore(row.peer_id, dialable(row.addrs), row.last_seen_ms / 1000)
        return len(self.book.peers)

    async def run(self) -> None:
        restored = await self.restore()
        if restored:
            log.info("discovery: %d known peers from the store", restored)
        async with trio.open_nursery() as tasks:
            while True:
                await self.step(tasks, trio.current_time())
                await trio.sleep(0.25)

    async def step(self, tasks: trio.Nursery, now: float) -> None:
        p2p = self.daemon.p2p
        peers = set(p2p.connected_peers())
        wall = time.time()
        for peer in peers - set(self.connected):
            self.connected[peer] = now
            self.pex.joined(peer, now)
        gone = sorted(set(self.connected) - peers)
        for peer in gone:
            del self.connected[peer]
            self.pex.left(peer)
            self.checked.pop(peer, None)
            self.book.disconnected(peer, now, wall)
            if self.book.held(peer, now):  # it said full, then closed: the bootstrap waits too
                p2p.links.held_until[peer] = self.book.peers[peer].full_until
        up: list[str] = []
        for peer, since in self.connected.items():
            if peer in self.recorded and now - self.checked.get(peer, -math.inf) < RECHECK:
                continue
            self.checked[peer] = now
            claimed = p2p.peer_addrs(peer)
            ips = p2p.remote_ips(peer)
            confirmed = [a for a in claimed if ip_of(a) in ips]
            self.book.connected(peer, confirmed, now, wall, claimed)
            if peer not in self.recorded and (claimed or now - since > ADDRS_WAIT):
                up.append(peer)
        await self._record(up, [p for p in gone if p in self.recorded])
        if not self.config.enabled:
            return
        for peer in self.pex.due(now):
            tasks.start_soon(self.pex.exchange_later, peer)
        for known in self.to_dial(now):
            self.dialing.add(known.peer_id)
            tasks.start_soon(functools.partial(self._dial, known))
        if len(self.connected) > self.trimmer.limits.high_water:
            surplus = self.trimmer.decide(self._links(), self.needs, now, self.pinned)
            if surplus:
                log.info("closing %d surplus connections: %s", len(surplus), ", ".join(surplus))
            for peer in surplus:
                tasks.start_soon(p2p.links.close, peer)

    def _links(self) -> list[Link]:
        links, guard = self.daemon.p2p.links, self.daemon.p2p.guard
        mesh = links.mesh()
        asked, role = self.trimmer.was_answered, self.book.role_of
        return [
            Link(p, t, links.outbound(p), p in mesh, role(p), guard.score(p), asked(p, t))
            for p, t in self.connected.items()
        ]

    def news(self) -> list[tuple[str, str]]:  # the trims since the last, once a minute
        return self.trimmer.news(trio.current_time())

    async def _record(self, up: list[str], gone: list[str]) -> None:
        """The ``peers`` rows and events of peers that connected or left."""
        if not (up or gone):
            return
        book = self.book.peers
        changes = [(p, _addrs(book.get(p)), True) for p in up]
        changes += [(p, _addrs(book.get(p)), False) for p in gone]
        await self.daemon.db(self.daemon.store.record_peers, changes, "connect")
        self.recorded |= set(up)
        self.recorded -= set(gone)

    def status(self) -> DiscoveryStatus:
        """The ``discovery`` part of the status document."""
        rtt = self.daemon.p2p.liveness.rtt_ms
        return DiscoveryStatus(
            **self.book.counts(),
            connected=len(self.connected),
            target=self.config.target_degree,
            dialing=sorted(self.dialing),
            needs=self._missing_role(),
            roles={p: self.book.role_of(p) for p in sorted(self.connected)},
            ping_rtt_ms={p: rtt[p] for p in sorted(rtt)},
            high_water=self.config.high_water,
            trims=self.trimmer.trims,
            trimmed=self.trimmer.closed,
            **self.counters,
            **self.pex.counters,
        )


def _addrs(known: Known | None) -> list[str]:
    """A peer's row: confirmed addresses first, then what it claimed."""
    return [] if known is None else known.dial_addrs()[:4]
