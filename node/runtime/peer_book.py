"""The peers this node knows of: whom to dial next, what to tell others, what to forget.

Pure bookkeeping (no sockets, no store), driven by node/runtime/discovery.py with explicit
clocks so tests run against it directly. What an untrusted peer can make us do is bounded:

- an address a peer tells us is a *hint* until a dial to it succeeds; we pass on only
  addresses we reached ourselves (a peer cannot use us to spread addresses);
- one source holds at most ``max_per_source`` unverified entries, and the book at most
  ``max_known`` (a new hint evicts only a hint that already failed to dial);
- candidates to dial are taken round-robin over sources, so one Sybil's hints cannot take
  every dial slot; a banned peer is never a candidate;
- each peer has its own dial backoff: doubling from ``base_backoff`` up to
  ``max_backoff``, or up to ``redial_max_backoff`` for a peer we were connected to within
  ``redial_window`` seconds (a link that heals is reconnected within seconds);
- a peer that answered "full" (node/runtime/conn_manager.py) and then closed our link is
  not redialed before its hold ends: a trim is not undone within seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from node.wire.base import WIRE_VERSION
from node.wire.peers import MAX_PEX_ADDRS, PeerHint, Role


@dataclass(frozen=True)
class BookLimits:
    max_known: int = 1000
    max_per_source: int = 16
    base_backoff: float = 1.0
    max_backoff: float = 300.0
    redial_max_backoff: float = 2.0
    redial_window: float = 600.0


@dataclass
class Known:
    """One peer: addresses we reached it at, addresses others claim, what we know of it."""

    peer_id: str
    addrs: list[str] = field(default_factory=list)
    """Verified: we were connected to the peer at these (or it announced them to us)."""
    hints: list[str] = field(default_factory=list)
    """Claimed by ``source``; dialed, never passed on."""
    role: Role = ""
    source: str = ""
    """The peer whose answer brought this entry in; "" for our own sightings."""
    last_seen_wall: float = 0.0
    """Wall-clock seconds when last connected (0: never)."""
    lost_at: float | None = None
    """Monotonic time the connection was lost (drives the fast redial)."""
    failures: int = 0
    next_dial: float = 0.0
    restored: bool = False
    """From the store: dialed before other hints."""
    full_until: float = 0.0
    """Monotonic time until which the peer is not redialed once lost (it said "full")."""

    @property
    def verified(self) -> bool:
        return bool(self.addrs)

    def dial_addrs(self) -> list[str]:
        return list(dict.fromkeys([*self.addrs, *self.hints]))[: 2 * MAX_PEX_ADDRS]


class PeerBook:
    """Every peer we know of, by peer id."""

    def __init__(self, self_id: str, limits: BookLimits, rng: random.Random | None = None) -> None:
        self.self_id = self_id
        self.limits = limits
        self.peers: dict[str, Known] = {}
        self.rng = rng or random.Random()

    # -- learning ------------------------------------------------------------------------

    def restore(self, peer_id: str, addrs: Iterable[str], last_seen_wall: float) -> None:
        """A peer from the store: we were connected to it before. Its addresses are hints
        again (dialed first, passed on only once a connection confirms them)."""
        if peer_id == self.self_id or len(self.peers) >= self.limits.max_known:
            return
        hints = list(addrs)[:MAX_PEX_ADDRS]
        if hints and peer_id not in self.peers:
            self.peers[peer_id] = Known(
                peer_id, hints=hints, last_seen_wall=last_seen_wall, restored=True
            )

    def learn(self, source: str, hints: Iterable[PeerHint], now: float) -> int:
        """Hints from ``source``'s answer; returns how many entries are new."""
        added = 0
        for hint in hints:
            if hint.peer_id in (self.self_id, source):
                continue
            known = self.peers.get(hint.peer_id)
            if known is not None:
                if not known.verified and known.source == source:
                    known.hints = list(hint.addrs)[:MAX_PEX_ADDRS]
                known.role = known.role or hint.role
                continue
            if self._from(source) >= self.limits.max_per_source or not self._room():
                continue
            self.peers[hint.peer_id] = Known(
                hint.peer_id, hints=list(hint.addrs)[:MAX_PEX_ADDRS], role=hint.role, source=source
            )
            added += 1
        return added

    def _from(self, source: str) -> int:
        return sum(1 for k in self.peers.values() if k.source == source and not k.verified)

    def _room(self) -> bool:
        if len(self.peers) < self.limits.max_known:
            return True
        failed = [k for k in self.peers.values() if not k.verified and k.failures > 0]
        if not failed:
            return False
        worst = max(failed, key=lambda k: (k.failures, k.next_dial))
        del self.peers[worst.peer_id]
        return True

    def said_role(self, peer_id: str, role: Role) -> None:
        """A connected peer told us its own role."""
        known = self.peers.get(peer_id)
        if known is not None and role:
            known.role = role

    # -- connections ----------------------------------------------------------------------

    def connected(
        self, peer_id: str, addrs: list[str], now: float, wall: float, claimed: list[str]
    ) -> None:
        """Connected to ``peer_id``: ``addrs`` are the announced addresses the connection
        confirms (its remote IP), ``claimed`` all it announced (kept as hints)."""
        known = self.peers.get(peer_id)
        if known is None:
            if peer_id == self.self_id:
                return
            if len(self.peers) >= self.limits.max_known and not self._room():
                self._evict_oldest()
            known = self.peers[peer_id] = Known(peer_id)
        if addrs:
            known.addrs = addrs[:MAX_PEX_ADDRS]
        if claimed:
            known.hints = [a for a in claimed if a not in known.addrs][:MAX_PEX_ADDRS]
        known.source = ""
        known.failures = 0
        known.lost_at = None
        known.next_dial = 0.0
        known.last_seen_wall = wall

    def _evict_oldest(self) -> None:
        oldest = min(self.peers.values(), key=lambda k: k.last_seen_wall)
        del self.peers[oldest.peer_id]

    def disconnected(self, peer_id: str, now: float, wall: float) -> None:
        known = self.peers.get(peer_id)
        if known is not None:
            known.lost_at = now
            known.last_seen_wall = wall
            # redial at once (failures back off from here), unless it said "full"
            known.next_dial = max(now, known.full_until)

    def said_full(self, peer_id: str, full: bool, now: float, hold: float) -> None:
        """``peer_id``'s peer-exchange answer said whether it is full: if so and it closes
        our link, wait ``hold`` seconds before dialing it again."""
        known = self.peers.get(peer_id)
        if known is not None:
            known.full_until = now + hold if full else 0.0

    def held(self, peer_id: str, now: float) -> bool:
        """True while ``peer_id`` is not to be dialed because it told us it was full."""
        known = self.peers.get(peer_id)
        return known is not None and known.full_until > now and known.next_dial > now

    def dial_failed(self, peer_id: str, now: float) -> float:
        """Count a failed dial; returns the delay before the next one."""
        known = self.peers.get(peer_id)
        if known is None:
            return 0.0
        known.failures += 1
        recent = known.lost_at is not None and now - known.lost_at < self.limits.redial_window
        cap = self.limits.redial_max_backoff if recent else self.limits.max_backoff
        delay: float = min(self.limits.base_backoff * 2.0 ** (known.failures - 1), cap)
        known.next_dial = now + delay
        return delay

    # -- choosing ------------------------------------------------------------------------

    def candidates(
        self,
        now: float,
        skip: set[str],
        want: int,
        banned: Callable[[str], bool],
        role: Role = "",
        first: str = "",
    ) -> list[Known]:
        """Up to ``want`` peers to dial now: not in ``skip`` (connected or dialing), not
        banned, not backing off; ``first`` (a pinned peer) if it is ready, then peers of
        ``role``, then peers we reached before, then hints, taken round-robin over the
        sources that told us of them."""
        ready = [
            k
            for k in self.peers.values()
            if k.peer_id not in skip
            and k.next_dial <= now
            and k.dial_addrs()
            and not banned(k.peer_id)
        ]
        self.rng.shuffle(ready)
        ready.sort(key=lambda k: (not (role and k.role == role), not (k.verified or k.restored)))
        chosen = [k for k in ready if first and k.peer_id == first]
        by_source: dict[str, list[Known]] = {}
        for k in ready:
            if k.peer_id != first:
                by_source.setdefault(k.source, []).append(k)
        while len(chosen) < want and by_source:
            for source in list(by_source):
                queue = by_source[source]
                chosen.append(queue.pop(0))
                if not queue:
                    del by_source[source]
                if len(chosen) >= want:
                    break
        chosen.sort(
            key=lambda k: (
                k.peer_id != first,
                not (role and k.role == role),
                not (k.verified or k.restored),
            )
        )
        return chosen

    def sample(self, want: int, exclude: str, now_wall: float) -> list[PeerHint]:
        """What we tell a peer that asks: peers we reached ourselves, at most ``want``."""
        pool = [k for k in self.peers.values() if k.verified and k.peer_id != exclude]
        picked = self.rng.sample(pool, min(want, len(pool)))
        return [
            PeerHint(
                WIRE_VERSION,
                k.peer_id,
                k.addrs[:MAX_PEX_ADDRS],
                k.role,
                max(0, int(now_wall - k.last_seen_wall)),
            )
            for k in picked
        ]

    def role_of(self, peer_id: str) -> Role:
        known = self.peers.get(peer_id)
        return known.role if known is not None else ""

    def counts(self) -> dict[str, int]:
        verified = sum(1 for k in self.peers.values() if k.verified)
        return {"known": len(self.peers), "verified": verified, "hints": len(self.peers) - verified}
