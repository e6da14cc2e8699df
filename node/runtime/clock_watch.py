"""The node's clock against its peers': samples, round trips, warnings and status.

Samples come from records peers gossip to us (``saw_gossip``: their ``ts_ms`` against our
clock on arrival) and from a clock round trip, ``/byteswarm/clock/1.0.0``, to each
connected peer on connect and every ``clock.ping_interval`` seconds. The estimates live in
``node/runtime/clock_offsets.py``. Past ``clock.max_offset`` the node warns once (an event)
and shows the offsets in status; back within it, one event says so. ``swarm_ms`` is our
clock plus the correction a majority of distinct hosts agree on, at most
``clock.max_correction`` (clock_offsets.py says why and what it does not stop): the
finetune round clock reads it, so a node whose clock is off still closes rounds with the
others.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import trio

from node import wire
from node.config.settings import NodeConfig
from node.net.host import P2PNode
from node.runtime.clock_offsets import ClockVerdict, OffsetEstimator
from node.wire import authorlog as messages
from node.wire.status.authorlog import ClockStatus

CLOCK_PROTOCOL = "/byteswarm/clock/1.0.0"
Clock = Callable[[], int]
log = logging.getLogger("byteswarm.daemon")


class ClockWatch:
    """Offsets to the peers' clocks, and the warnings they call for."""

    def __init__(self, config: NodeConfig, p2p: P2PNode, author: bytes, clock: Clock) -> None:
        self.settings = config.clock
        self.timeout = config.sync.timeout
        self.p2p = p2p
        self.author = bytes(author)
        self.clock = clock
        self.estimator = OffsetEstimator(self.settings.samples)
        self._bound_ms = int(self.settings.max_offset * 1000)
        self._max_correction_ms = int(self.settings.max_correction * 1000)
        self.hosts: dict[str, str] = {}
        """Connected peer -> the IP its connection comes from (one vote per IP)."""
        self.verdict = self._vote()
        self._warned = False
        self._refused = False
        self._news: list[tuple[str, str]] = []
        self._next_ping: dict[str, float] = {}

    def register(self) -> None:
        self.p2p.handle(CLOCK_PROTOCOL, self.serve, messages.MAX_CLOCK_BYTES)

    async def serve(self, data: bytes, peer: str) -> bytes:
        messages.decode_clock_request(data)
        return wire.encode(messages.ClockResponse(wire.WIRE_VERSION, max(0, self.clock())))

    def swarm_ms(self) -> int:
        """Our clock read as the swarm's: plus the correction a majority agrees on."""
        return self.clock() + self.verdict.correction_ms

    def note(self) -> str | None:
        return self.verdict.note

    def saw_gossip(self, records: list[wire.SignedRecord]) -> None:
        """Each gossiped record of another author is a sample of its author's clock."""
        now = self.clock()
        for record in records:
            if record.author != self.author:
                self.estimator.add(wire.peer_id_str(record.author), record.ts_ms - now)
        self._judge()

    def add(self, peer: str, offset_ms: int) -> None:
        self.estimator.add(peer, offset_ms)
        self._judge()

    def _judge(self) -> None:
        self.verdict = verdict = self._vote()
        off = verdict.note
        if off is not None and not self._warned:
            self._warned = True
            shift = verdict.correction_ms / 1000
            follow = f"; finetune rounds follow the peers ({shift:+.0f} s)" if shift else ""
            self._news.append(("warning", f"{off} (bound {self.settings.max_offset:g} s){follow}"))
        elif off is not None and bool(verdict.refused_ms) != self._refused:
            self._news.append(("warning", off) if verdict.refused_ms else ("info", off))
        self._refused = bool(verdict.refused_ms)
        if off is None and self._warned and verdict.peers:
            self._warned = False
            self._news.append(("info", "clock back within the bound of every peer"))

    def _vote(self) -> ClockVerdict:
        s = self.settings
        return self.estimator.vote(self._bound_ms, self.hosts, s.min_hosts, self._max_correction_ms)

    def note_hosts(self, peers: set[str]) -> None:
        """Re-read which host each connected peer is on (the correction's voters)."""
        hosts = {}
        for peer in peers:
            ips = self.p2p.remote_ips(peer)
            if ips:
                hosts[peer] = min(ips)
        if hosts != self.hosts:
            self.hosts = hosts
            self._judge()

    def news(self) -> list[tuple[str, str]]:
        news, self._news = self._news, []
        return news

    def status(self) -> ClockStatus:
        verdict = self.verdict
        return ClockStatus(
            max_offset_s=self.settings.max_offset,
            offsets_s={p: o / 1000 for p, o in sorted(self.estimator.offsets().items())},
            ahead_of=len(verdict.ahead),
            behind=len(verdict.behind),
            correction_s=verdict.correction_ms / 1000,
            hosts=verdict.hosts,
            refused_correction_s=verdict.refused_ms / 1000,
            max_correction_s=self.settings.max_correction,
            note=verdict.note,
        )

    async def ping(self, peer: str) -> int | None:
        """One clock round trip: the peer's clock minus ours (ms), or None on failure."""
        request = wire.encode(messages.ClockRequest(wire.WIRE_VERSION))
        sent = self.clock()
        try:
            with trio.fail_after(self.timeout):
                data = await self.p2p.request(
                    peer, CLOCK_PROTOCOL, request, messages.MAX_CLOCK_BYTES
                )
            answer = messages.decode_clock_response(data)
        except Exception as exc:  # an old peer, a gone one: no sample
            log.debug("clock round trip to %s failed: %s", peer, exc)
            return None
        received = self.clock()
        offset = answer.now_ms - (sent + received) // 2
        self.add(peer, offset)
        return offset

    async def run(self) -> None:
        """A round trip to each peer on connect and every ``clock.ping_interval`` seconds."""
        async with trio.open_nursery() as nursery:
            while True:
                now = trio.current_time()
                peers = set(self.p2p.connected_peers())
                self.note_hosts(peers)
                for gone in set(self._next_ping) - peers:
                    del self._next_ping[gone]
                for peer in sorted(peers):
                    if self._next_ping.get(peer, 0.0) <= now:
                        self._next_ping[peer] = now + self.settings.ping_interval
                        nursery.start_soon(functools.partial(self.ping, peer))
                await trio.sleep(0.5)
