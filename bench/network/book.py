"""The peer book the simulation's nodes use: the node's own (``node/runtime/peer_book.py``,
issue 21 item 1) when this checkout has it, else a model with the same decisions.

The seam is ``Book``: learn hints from an answer, note connections and failed dials, pick
candidates to dial, sample what to tell an asking peer. ``make_book`` returns the real
``PeerBook`` behind a thin adapter when it imports, so the simulation runs the node's
decision code (caps per source, backoff, round-robin over sources); ``ModelBook`` is what
stands in for it before that code exists, and ``BOOK`` says which one ran.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from typing import Any, Protocol


class Book(Protocol):
    def learn(self, source: str, hints: list[str], now: float) -> int: ...
    def connected(self, peer: str, now: float) -> None: ...
    def disconnected(self, peer: str, now: float) -> None: ...
    def dial_failed(self, peer: str, now: float) -> float: ...
    def candidates(self, now: float, skip: set[str], want: int) -> list[str]: ...
    def sample(self, want: int, exclude: str) -> list[str]: ...


@dataclass
class _Entry:
    source: str
    verified: bool = False
    failures: int = 0
    next_dial: float = 0.0


class ModelBook:
    """The model: hints capped per source (16) and in all (1000), passed on only once
    verified, doubling backoff per peer, candidates round-robin over sources."""

    def __init__(self, self_id: str, rng: random.Random, max_known: int = 1000) -> None:
        self.self_id = self_id
        self.rng = rng
        self.max_known = max_known
        self.peers: dict[str, _Entry] = {}

    def learn(self, source: str, hints: list[str], now: float) -> int:
        added = 0
        mine = sum(1 for e in self.peers.values() if e.source == source and not e.verified)
        for peer in hints:
            if peer in (self.self_id, source) or peer in self.peers:
                continue
            if mine >= 16 or len(self.peers) >= self.max_known:
                break
            self.peers[peer] = _Entry(source)
            mine += 1
            added += 1
        return added

    def connected(self, peer: str, now: float) -> None:
        entry = self.peers.setdefault(peer, _Entry(""))
        entry.verified, entry.failures, entry.next_dial, entry.source = True, 0, 0.0, ""

    def disconnected(self, peer: str, now: float) -> None:
        if peer in self.peers:
            self.peers[peer].next_dial = now

    def dial_failed(self, peer: str, now: float) -> float:
        entry = self.peers.get(peer)
        if entry is None:
            return 0.0
        entry.failures += 1
        delay = min(2.0 ** (entry.failures - 1), 300.0)
        entry.next_dial = now + delay
        return delay

    def candidates(self, now: float, skip: set[str], want: int) -> list[str]:
        ready = [p for p, e in self.peers.items() if p not in skip and e.next_dial <= now]
        self.rng.shuffle(ready)
        by_source: dict[str, list[str]] = {}
        for p in ready:
            by_source.setdefault(self.peers[p].source, []).append(p)
        chosen: list[str] = []
        while len(chosen) < want and by_source:
            for source in list(by_source):
                chosen.append(by_source[source].pop())
                if not by_source[source]:
                    del by_source[source]
                if len(chosen) >= want:
                    break
        return chosen

    def sample(self, want: int, exclude: str) -> list[str]:
        pool = [p for p, e in self.peers.items() if e.verified and p != exclude]
        return self.rng.sample(pool, min(want, len(pool)))


class RealBook:
    """``node.runtime.peer_book.PeerBook`` behind the ``Book`` seam (peer ids stand in for
    addresses: a simulated peer is reachable at its own name)."""

    def __init__(self, module: Any, hint_type: Any, self_id: str, rng: random.Random) -> None:
        self.book = module.PeerBook(self_id, module.BookLimits(), rng)
        self.hint = hint_type

    def learn(self, source: str, hints: list[str], now: float) -> int:
        made = [self.hint(1, p, [f"/sim/{p}"], "", 0) for p in hints]
        return int(self.book.learn(source, made, now))

    def connected(self, peer: str, now: float) -> None:
        self.book.connected(peer, [f"/sim/{peer}"], now, now, [f"/sim/{peer}"])

    def disconnected(self, peer: str, now: float) -> None:
        self.book.disconnected(peer, now, now)

    def dial_failed(self, peer: str, now: float) -> float:
        return float(self.book.dial_failed(peer, now))

    def candidates(self, now: float, skip: set[str], want: int) -> list[str]:
        found = self.book.candidates(now, skip, want, lambda _p: False)
        return [k.peer_id for k in found]

    def sample(self, want: int, exclude: str) -> list[str]:
        return [h.peer_id for h in self.book.sample(want, exclude, 0.0)]


def _real() -> tuple[Any, Any] | None:
    try:
        module = importlib.import_module("node.runtime.peer_book")
        hint = importlib.import_module("node.wire.peers").PeerHint
    except ImportError:
        return None
    return module, hint


_FOUND = _real()
BOOK = "node.runtime.peer_book.PeerBook" if _FOUND else "model (bench/network/book.py)"
"""Which book the simulation runs: the node's own, or the model."""


def make_book(self_id: str, rng: random.Random, *, model: bool = False) -> Book:
    if _FOUND is None or model:
        return ModelBook(self_id, rng)
    return RealBook(*_FOUND, self_id, rng)
