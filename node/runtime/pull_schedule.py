"""Which peers catch-up asks next, how many at once, and how each peer has answered.

A *visit* is one round of catch-up with one peer (a full pull on connect, a heads check and
the pulls it calls for afterwards). Visits run concurrently, ``sync.max_in_flight`` at a
time; a visit whose request has waited ``sync.stall_after`` seconds without an answer
stops counting against that bound (it runs on to its deadline, ``sync.timeout``), so peers
that accept requests and never answer cannot hold every slot. At most
``MAX_VISITS_PER_SLOT`` × ``max_in_flight`` visits run at all.

Each peer has two backoffs of its own. *Quiet*: the delay between checks doubles from
``sync.interval`` to ``sync.idle_max_interval`` while its checks find nothing, and any new
record of a covered topic brings every peer's back (``saw_new``). *Failing*: a visit that
timed out or met an error doubles that peer's delay up to ``sync.failure_max_interval``
(a peer that refuses the sync protocol goes there at once); only an answered visit resets
it, and nothing another peer does touches it. Due peers are
asked in this order: not failing before failing, then the one that answered most recently
first, then peers never answered, in random order (a peer id is cheap to grind, so an
order by id is an order an attacker picks).

Counters (timeouts, errors, last success) are kept per peer across reconnects, for the
status document and for peer scoring (``penalties``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from node.config.settings import SyncConfig
from node.runtime.backoff import Backoff
from node.wire.status.node import CatchupStatus, PullPeerStatus

MAX_VISITS_PER_SLOT = 4
"""Visits (stalled ones included) that may run per ``max_in_flight`` slot."""
MAX_TRACKED_PEERS = 4096
"""Peers whose counters are kept; the longest idle disconnected ones are forgotten first."""


@dataclass
class PeerPulls:
    """One peer as catch-up sees it."""

    quiet: Backoff
    failing: Backoff
    known: bool = False
    """Visited since it connected: later visits ask for heads first."""
    streak: int = 0
    """Failed visits in a row."""
    timeouts: int = 0
    errors: int = 0
    last_success: float | None = None
    """Wall-clock time of its last answered request."""
    answered_at: float = -math.inf
    """Trio time of its last answered request."""
    visiting: bool = False
    visit_failed: bool = False
    waiting_since: float | None = None
    """Trio time the visit's outstanding request was sent (None: not waiting on the peer)."""
    done_at: float = -math.inf
    tiebreak: float = field(default_factory=random.random)

    def delay(self) -> float:
        return self.failing.delay if self.streak else self.quiet.delay


class PullSchedule:
    """Per-peer catch-up state; the catch-up loop asks it whom to visit next."""

    def __init__(self, settings: SyncConfig) -> None:
        self.settings = settings
        self.max_in_flight = max(1, settings.max_in_flight)
        self._peers: dict[str, PeerPulls] = {}

    def peer(self, peer: str) -> PeerPulls:
        state = self._peers.get(peer)
        if state is None:
            if len(self._peers) >= MAX_TRACKED_PEERS:
                self._evict()
            s = self.settings
            state = self._peers[peer] = PeerPulls(
                Backoff(s.interval, max(s.interval, s.idle_max_interval)),
                Backoff(s.interval, max(s.interval, s.failure_max_interval)),
            )
        return state

    def _evict(self) -> None:
        idle = [(s.done_at, p) for p, s in self._peers.items() if not (s.visiting or s.known)]
        if idle:
            del self._peers[min(idle)[1]]

    # -- choosing ----------------------------------------------------------------------

    def due(self, connected: Iterable[str], now: float) -> list[str]:
        """Connected peers whose delay is up and that are not being visited, best first."""
        ready = []
        for peer in connected:
            state = self.peer(peer)
            if not state.visiting and now >= state.done_at + state.delay():
                ready.append((state.streak > 0, -state.answered_at, state.tiebreak, peer))
        return [peer for *_, peer in sorted(ready)]

    def has_room(self, now: float) -> bool:
        """Whether one more visit may start now."""
        visits = [s for s in self._peers.values() if s.visiting]
        if len(visits) >= self.max_in_flight * MAX_VISITS_PER_SLOT:
            return False
        stall = self.settings.stall_after
        active = [s for s in visits if s.waiting_since is None or now - s.waiting_since < stall]
        return len(active) < self.max_in_flight

    def in_flight(self) -> int:
        return sum(s.visiting for s in self._peers.values())

    # -- visits and requests -------------------------------------------------------------

    def start(self, peer: str) -> bool:
        """A visit to ``peer`` begins; returns whether the peer was visited before."""
        state = self.peer(peer)
        known = state.known
        state.known = state.visiting = True
        state.visit_failed = False
        return known

    def asking(self, peer: str, now: float) -> None:
        """A request to ``peer`` was sent."""
        state = self._peers.get(peer)
        if state is not None and state.visiting:
            state.waiting_since = now

    def answered(self, peer: str, now: float) -> None:
        state = self.peer(peer)
        state.waiting_since = None
        state.answered_at = now
        state.last_success = time.time()

    def failed(self, peer: str, *, timed_out: bool) -> None:
        """A request to ``peer`` failed (a visit's or a service's): counted; the visit
        it belongs to, if any, ends in the failing backoff."""
        state = self.peer(peer)
        state.waiting_since = None
        if timed_out:
            state.timeouts += 1
        else:
            state.errors += 1
        if state.visiting:
            state.visit_failed = True

    def refused(self, peer: str) -> None:
        """``peer`` does not speak the sync protocol (a libp2p host, not a byteswarm
        node): the visit fails and the next waits the longest failure backoff, so such a
        peer costs one visit per connection, not one per doubling of its delay."""
        state = self.peer(peer)
        state.failing.delay = state.failing.cap
        if state.visiting:
            state.visit_failed = True

    def finish(self, peer: str, now: float, *, found: bool) -> None:
        """The visit to ``peer`` ended; ``found``: it had something to pull."""
        state = self.peer(peer)
        state.visiting = False
        state.waiting_since = None
        state.done_at = now
        if state.visit_failed:
            state.streak += 1
            state.failing.lengthen()
            return
        state.streak = 0
        state.failing.reset()
        if found:
            state.quiet.reset()
        else:
            state.quiet.lengthen()

    def saw_new(self) -> None:
        """The swarm is not quiet: every peer's quiet delay goes back to the base."""
        for state in self._peers.values():
            state.quiet.reset()

    def disconnected(self, peer: str) -> None:
        """``peer`` left: if it comes back, it gets a full pull at once (after the peers
        that do not fail, if it was failing); its counters stay."""
        state = self._peers.get(peer)
        if state is not None:
            state.known = False
            state.quiet.reset()
            state.done_at = -math.inf

    # -- reporting -----------------------------------------------------------------------

    def penalties(self) -> dict[str, int]:
        """Timeouts plus errors per peer, for peer scoring."""
        return {p: s.timeouts + s.errors for p, s in self._peers.items() if s.timeouts + s.errors}

    def status(self, connected: Iterable[str]) -> CatchupStatus:
        peers = {}
        for peer in sorted(connected):
            state = self.peer(peer)
            peers[peer] = PullPeerStatus(
                timeouts=state.timeouts,
                errors=state.errors,
                last_success=None if state.last_success is None else round(state.last_success, 1),
                backoff_s=state.delay(),
                failing_streak=state.streak,
                visiting=state.visiting,
            )
        return CatchupStatus(in_flight=self.in_flight(), peers=peers)
