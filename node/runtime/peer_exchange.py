"""The peer exchange: both sides of ``/byteswarm/peers/1.1.0`` (node/wire/peers.py) and when
to ask each connected peer next.

Each connected peer is asked for a sample of the peers it reached itself (over the request
channel) right after it connects, then at an interval doubling from 5 s up to
``discovery.exchange_interval`` (back to 5 s while we are short of peers and its answers
bring new ones). The answers go into the peer book (node/runtime/peer_book.py); an answer
of ours says "full" when the connection manager (conn_manager.py) would close the asker's
link, and an answer that says so holds its sender in the book for ``full_backoff``.
Discovery (discovery.py) runs it: it says who connected and left and starts the exchanges due.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import trio

from node import wire
from node.config.network import DiscoveryConfig
from node.net.host import P2PError, P2PNode
from node.runtime.conn_manager import Trimmer
from node.runtime.peer_book import PeerBook
from node.wire.peers import (
    MAX_PEX_PEERS,
    MAX_PEX_RESPONSE_BYTES,
    PEX_PROTOCOL,
    PeersRequest,
    PeersResponse,
    Role,
    decode_peers_request,
    decode_peers_response,
)

log = logging.getLogger("byteswarm.discovery")
SHORT_EXCHANGE_INTERVAL = 5.0
"""Seconds between two exchanges with a peer while we are short of peers and its answers
bring new ones; otherwise the interval doubles from this up to ``exchange_interval``."""


class PeerExchange:
    """One node's peer exchange: ``serve`` answers, ``exchange`` asks, ``due`` and
    ``exchange_later`` pace the asking per peer. ``connected`` says how many peers are
    connected now, ``short`` whether we lack peers (or a role) at the moment."""

    def __init__(
        self,
        p2p: P2PNode,
        book: PeerBook,
        trimmer: Trimmer,
        role: Role,
        config: DiscoveryConfig,
        connected: Callable[[], int],
        short: Callable[[], bool],
    ) -> None:
        self.p2p, self.book, self.trimmer = p2p, book, trimmer
        self.role, self.config = role, config
        self.connected, self.short = connected, short
        self.next_exchange: dict[str, float] = {}
        """When each connected peer is asked next (inf while an exchange with it runs)."""
        self.delays: dict[str, float] = {}
        """Each peer's current exchange interval."""
        self.counters = {"exchanges": 0, "full_answers": 0, "told_full": 0}

    # -- the peers we ask --------------------------------------------------------------

    def joined(self, peer: str, now: float) -> None:
        self.next_exchange[peer] = now

    def left(self, peer: str) -> None:
        self.next_exchange.pop(peer, None)
        self.delays.pop(peer, None)

    def due(self, now: float) -> list[str]:
        """The peers to ask now; each is not due again until its exchange is over."""
        peers = [peer for peer, due in self.next_exchange.items() if due <= now]
        for peer in peers:
            self.next_exchange[peer] = math.inf
        return peers

    # -- answering -------------------------------------------------------------------

    async def serve(self, data: bytes, peer: str) -> bytes:
        request = decode_peers_request(data)
        self.book.said_role(peer, request.role)
        hints = self.book.sample(request.want, peer, time.time())
        full = self.trimmer.full_for(peer, self.connected(), trio.current_time())
        self.counters["full_answers"] += full
        return wire.encode(PeersResponse(wire.WIRE_VERSION, self.role, hints, full))

    # -- asking ----------------------------------------------------------------------

    async def exchange(self, peer: str) -> int:
        """Ask ``peer`` for peers; returns how many the book did not know."""
        p2p = self.p2p
        request = wire.encode(PeersRequest(wire.WIRE_VERSION, MAX_PEX_PEERS, self.role))
        try:
            data = await p2p.request(peer, PEX_PROTOCOL, request, MAX_PEX_RESPONSE_BYTES)
            answer = decode_peers_response(data)
        except wire.WireError as exc:
            p2p.guard.blame(peer, "protocol_error")
            log.info("peer exchange with %s: bad answer: %s", peer, exc)
            return 0
        except P2PError as exc:
            log.debug("peer exchange with %s failed: %s", peer, exc)
            return 0
        self.counters["exchanges"] += 1
        self.counters["told_full"] += answer.full
        now = trio.current_time()
        self.book.said_role(peer, answer.role)
        self.book.said_full(peer, answer.full, now, self.config.full_backoff)
        return self.book.learn(peer, answer.peers, now)

    async def exchange_later(self, peer: str) -> None:
        """Ask ``peer`` now and set when to ask it next."""
        new = 0
        try:
            new = await self.exchange(peer)
        except Exception:  # a peer's answer must never end the loop (architecture §8)
            log.exception("peer exchange with %s failed", peer)
        if new:
            log.info("peer exchange with %s: %d new peers", peer, new)
        # Short while answers bring peers we lack; doubling up to the interval otherwise.
        longest = self.config.exchange_interval
        delay = SHORT_EXCHANGE_INTERVAL if new and self.short() else self.delays.get(peer, 2.5) * 2
        self.delays[peer] = delay = min(delay, longest)
        if peer in self.next_exchange:
            self.next_exchange[peer] = trio.current_time() + delay
