"""The peer book the simulation's nodes use: the node's own (``node/runtime/peer_book.py``)
behind a seam that speaks peer names.

The seam is ``Book``: learn hints from an answer, note connections, failed dials and
"full" answers, pick candidates to dial, sample what to tell an asking peer. A simulated
peer is reachable at its own name (``/sim/<name>`` stands in for its address).
"""

from __future__ import annotations

import random

from node.runtime.peer_book import BookLimits, PeerBook
from node.wire.peers import PeerHint

BOOK = "node.runtime.peer_book.PeerBook"
"""Which book the simulation runs (the node's own)."""


class Book:
    """``PeerBook`` with peer names for hints and addresses."""

    def __init__(self, self_id: str, rng: random.Random) -> None:
        self.book = PeerBook(self_id, BookLimits(), rng)

    def learn(self, source: str, hints: list[str], now: float) -> int:
        made = [PeerHint(1, p, [f"/sim/{p}"], "", 0) for p in hints]
        return self.book.learn(source, made, now)

    def connected(self, peer: str, now: float) -> None:
        self.book.connected(peer, [f"/sim/{peer}"], now, now, [f"/sim/{peer}"])

    def disconnected(self, peer: str, now: float) -> None:
        self.book.disconnected(peer, now, now)

    def said_full(self, peer: str, full: bool, now: float, hold: float) -> None:
        self.book.said_full(peer, full, now, hold)

    def dial_failed(self, peer: str, now: float) -> float:
        return self.book.dial_failed(peer, now)

    def candidates(self, now: float, skip: set[str], want: int) -> list[str]:
        found = self.book.candidates(now, skip, want, lambda _p: False)
        return [k.peer_id for k in found]

    def sample(self, want: int, exclude: str) -> list[str]:
        return [h.peer_id for h in self.book.sample(want, exclude, 0.0)]
