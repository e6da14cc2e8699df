"""What each peer sent us and we sent it, and how far each side's sync is behind.

The Peers screen's columns (docs/architecture.md §6, "Peers"), counted since the daemon
started, for at most ``MAX_PEERS`` peers (the least recently active are forgotten):

- **records in**: new records the store took from the peer: what it answered our pulls and
  samples with, and what it published by gossip (gossip names the author, which must be the
  message's signer, not the neighbour that relayed it). Replays are not counted. By topic
  too (``sent``).
- **records out**: records we answered its pulls and samples with. Our own gossip goes to
  the mesh, not to one peer, and is counted per topic in the history, not here.
- **behind** (we are behind it): the topics whose log at the peer went past our sync cursor
  there at its last heads check and that no pull has brought to the end since, and for how
  long the oldest of them has been waiting. Zero while every heads check finds nothing new.
- **their lag** (it is behind us): on the topics it pulls from us, the records stored here
  after the cursor our last answer gave it (counted up to ``LAG_CAP`` a topic, for connected
  peers only); None until it pulls.
"""

from __future__ import annotations

import functools
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from node import wire
from node.store.database import Store
from node.wire.status.node import PeerTrafficStatus

MAX_PEERS = 200
"""Peers kept (the newest by activity), as the peer guard's status keeps 200."""
LAG_CAP = 10_000
"""Their lag is counted up to this many records a topic (a bounded index scan)."""


@dataclass
class _Peer:
    records_in: int = 0
    records_out: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    behind_since: dict[str, float] = field(default_factory=dict)
    """Topic -> when a heads check first found the peer ahead of our cursor (monotonic s)."""
    served: dict[str, int] = field(default_factory=dict)
    """Topic -> the cursor our last sync answer gave the peer."""


@functools.lru_cache(maxsize=1024)
def author_peer(author: bytes) -> str:
    """The peer id of a record author (cached: gossip names a few authors many times)."""
    return wire.peer_id_str(author)


class PeerStats:
    """Per-peer traffic and sync lag; fed by ingest and catch-up (trio thread only)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._peers: OrderedDict[str, _Peer] = OrderedDict()

    def _peer(self, peer: str) -> _Peer:
        entry = self._peers.pop(peer, None) or _Peer()
        self._peers[peer] = entry  # the most recently active last
        while len(self._peers) > MAX_PEERS:
            self._peers.popitem(last=False)
        return entry

    def took(self, peer: str, topic: str, new: int) -> None:
        """The store took ``new`` records of ``topic`` that ``peer`` sent."""
        if new:
            entry = self._peer(peer)
            entry.records_in += new
            entry.sent[topic] += new

    def served(self, peer: str, topic: str, records: int, cursor: int | None = None) -> None:
        """We answered ``peer`` with ``records`` records of ``topic``; a sync answer also
        gives the cursor it leaves the peer at (None: a sample, which moves no cursor)."""
        entry = self._peer(peer)
        entry.records_out += records
        if cursor is not None:
            entry.served[topic] = cursor

    def checked(self, peer: str, topic: str, ahead: bool) -> None:
        """A heads check: ``peer``'s log of ``topic`` is (or is not) past our cursor."""
        behind = self._peer(peer).behind_since
        if not ahead:
            behind.pop(topic, None)
        elif topic not in behind:
            behind[topic] = self.clock()

    def pulled_to_end(self, peer: str, topic: str) -> None:
        """A pull of ``topic`` from ``peer`` ended with nothing more to send."""
        entry = self._peers.get(peer)
        if entry is not None:
            entry.behind_since.pop(topic, None)

    def status(
        self, directions: dict[str, str]
    ) -> tuple[dict[str, PeerTrafficStatus], dict[str, dict[str, int]]]:
        """Every kept peer's counters (trio thread, which alone changes them), and for each
        connected peer that pulled from us the cursors to count its lag from
        (``their_lags``, in the store thread)."""
        now = self.clock()
        out: dict[str, PeerTrafficStatus] = {}
        cursors: dict[str, dict[str, int]] = {}
        for peer, entry in self._peers.items():
            since = min(entry.behind_since.values(), default=now)
            out[peer] = PeerTrafficStatus(
                direction=directions.get(peer, ""),
                records_in=entry.records_in,
                records_out=entry.records_out,
                sent=dict(entry.sent),
                behind_topics=len(entry.behind_since),
                behind_s=round(now - since, 1),
            )
            if entry.served and peer in directions:  # connected: bounded work per status
                cursors[peer] = dict(entry.served)
        for peer, direction in directions.items():
            out.setdefault(peer, PeerTrafficStatus(direction=direction))
        return out, cursors


def their_lags(
    store: Store, traffic: dict[str, PeerTrafficStatus], cursors: dict[str, dict[str, int]]
) -> dict[str, PeerTrafficStatus]:
    """``traffic`` with each peer's ``their_lag`` counted in the store (store thread)."""
    for peer, served in cursors.items():
        traffic[peer].their_lag = sum(store.count_after(t, c, LAG_CAP) for t, c in served.items())
    return traffic
