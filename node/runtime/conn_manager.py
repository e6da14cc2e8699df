"""The connection manager's decisions (pure): how many peers to dial, which surplus links to
close, and whom to tell "I am full".

Discovery (node/runtime/discovery.py) runs these against the live host and the scale
simulation (bench/network/sim.py) against simulated links: both measure the same rules.

- **Dial** up to ``target_degree`` connected peers, ``max_dials`` at a time, and one more
  of a role this node needs (a device without a cloud) whatever its degree.
- **Trim** only above ``high_water`` links, down to ``low_water``, at most once per
  ``trim_interval``. A link younger than ``trim_grace`` seconds is never closed, nor one
  younger than ``UNASKED_GRACE`` × that whose peer has not had our peer-exchange answer
  yet (a joiner learns other peers, and that we are full, before its bootstrap closes it;
  on a loaded machine its first exchange can take longer than ``trim_grace``), nor the
  last link to a role this node needs. The others are kept in this order of preference:
  a needed role, the gossip mesh, links we dialed, a score that is not negative, the newest.
- **Full**: above ``high_water`` links (or to a peer we trimmed within ``full_backoff``),
  a node's peer-exchange answer says ``full``; it still carries peers. A peer told so does
  not redial us for ``full_backoff`` seconds once we close the link (node/runtime/peer_book.py),
  so a trim is not undone within seconds; the bootstrap keeps accepting joiners, hands out
  peers, then trims them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.wire.peers import Role

UNASKED_GRACE = 10.0
"""A link whose peer has not had our answer yet is kept up to this many ``trim_grace``."""


@dataclass(frozen=True)
class TrimLimits:
    """A view of ``[discovery]``'s connection-manager keys."""

    high_water: int = 12
    low_water: int = 8
    trim_grace: float = 3.0
    trim_interval: float = 2.0
    full_backoff: float = 300.0


@dataclass(frozen=True)
class Link:
    """One connected peer as the trim decision sees it."""

    peer: str
    since: float
    """When it connected (monotonic seconds)."""
    outbound: bool = False
    in_mesh: bool = False
    role: Role = ""
    score: float = 0.0
    answered: bool = True
    """The peer has had our peer-exchange answer since it connected."""


def dial_want(target: int, connected: int, dialing: int, max_dials: int, missing_role: bool) -> int:
    """How many peers to dial now: up to the target degree, plus one of a role we lack, no
    more than ``max_dials`` in flight."""
    want = target - connected - dialing
    return max(0, min(max(want, 1 if missing_role else 0), max_dials - dialing))


def is_full(links: int, limits: TrimLimits) -> bool:
    """Whether a node with ``links`` connections answers "full" to every asker."""
    return links > limits.high_water


def _keep_order(link: Link, needs: Role) -> tuple[bool, bool, bool, bool, float]:
    return (
        bool(needs) and link.role == needs,
        link.in_mesh,
        link.outbound,
        link.score >= 0,
        link.since,
    )


def surplus(
    links: Sequence[Link], limits: TrimLimits, needs: Role, now: float, keep: str = ""
) -> list[str]:
    """The peers to disconnect now (none unless above ``high_water``), least wanted first;
    never ``keep`` (a device's pinned cloud, ``adapt.cloud_peer``)."""
    if len(links) <= limits.high_water:
        return []
    excess = len(links) - limits.low_water
    ranked = sorted(links, key=lambda link: _keep_order(link, needs))
    protected: set[str] = {keep} if keep else set()
    if needs and not keep:
        of_role = [link for link in ranked if link.role == needs]
        if of_role:
            protected.add(of_role[-1].peer)  # never the last link to a role we need
    closable = [
        link.peer
        for link in ranked
        if link.peer not in protected
        and now - link.since >= limits.trim_grace * (1.0 if link.answered else UNASKED_GRACE)
    ]
    return closable[:excess]


class Trimmer:
    """When to trim, whom we trimmed lately, and the counts status shows."""

    def __init__(self, limits: TrimLimits) -> None:
        self.limits = limits
        self.last = -float("inf")
        self.trimmed: dict[str, float] = {}
        """Peers we closed, and when (forgotten after ``full_backoff``)."""
        self.answered: dict[str, float] = {}
        """Peers we answered, and when (forgotten after ``full_backoff``)."""
        self.trims = 0
        self.closed = 0
        self._reported = (0, 0, -float("inf"))

    def decide(self, links: Sequence[Link], needs: Role, now: float, keep: str = "") -> list[str]:
        """``surplus`` at most once per ``trim_interval``; remembers whom it chose."""
        if now - self.last < self.limits.trim_interval:
            return []
        chosen = surplus(links, self.limits, needs, now, keep)
        if len(self.answered) > 4 * len(links) + 1000:
            self.prune(now)
        if chosen:
            self.last = now
            self.trims += 1
            self.closed += len(chosen)
            for peer in chosen:
                self.trimmed[peer] = now
        return chosen

    def full_for(self, peer: str, links: int, now: float) -> bool:
        """Our answer to ``peer``'s peer exchange says full: above the high-water mark, or
        it is back within ``full_backoff`` of our trimming it (it will be trimmed again)."""
        self.answered[peer] = now
        when = self.trimmed.get(peer)
        if when is not None and now - when >= self.limits.full_backoff:
            del self.trimmed[peer]
            when = None
        return is_full(links, self.limits) or when is not None

    def prune(self, now: float) -> None:
        """Forget trims older than ``full_backoff`` (bounded memory on a busy bootstrap)."""
        for seen in (self.trimmed, self.answered):
            for peer in [p for p, t in seen.items() if now - t >= self.limits.full_backoff]:
                del seen[peer]

    def was_answered(self, peer: str, since: float) -> bool:
        """Whether ``peer`` had our answer after ``since`` (when its link opened)."""
        return self.answered.get(peer, -float("inf")) >= since

    def news(self, now: float, every: float = 60.0) -> list[tuple[str, str]]:
        """An event that sums up the trims since the last one, once per ``every`` s at most."""
        trims, closed, at = self._reported
        if self.trims == trims or now - at < every:
            return []
        self._reported = (self.trims, self.closed, now)
        self.prune(now)
        high, low = self.limits.high_water, self.limits.low_water
        n, c = self.trims - trims, self.closed - closed
        times = f"{n} trim" + ("s" if n != 1 else "")
        return [("info", f"closed {c} surplus connections in {times} (above {high}, to {low})")]
