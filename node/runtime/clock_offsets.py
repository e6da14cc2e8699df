"""The offset of each peer's clock from ours: the median of recent samples (pure).

A sample is ``peer clock - our clock`` in ms: from a clock round trip (the peer's answer
minus the midpoint of our send and receive times) or from a record it signed, gossiped to
us (its ``ts_ms`` minus our receive time: biased by the gossip delay, a second or two, which
the bound of tens of seconds does not notice). The median of the last ``samples`` per peer
ignores a stray sample.

The correction (what the finetune round clock adds to ours) is voted by *hosts*, not peer
ids: the connected peers are grouped by the IP their connection comes from, each host's
offset is the median of its peers', and a correction needs ``min_hosts`` distinct hosts
(2) and a strict majority of them on one side; one host with a thousand identities is one
vote. It is never larger than ``max_correction``: beyond it nothing is applied and the
note says so (the node's finetune contributions may then be refused: it says why). What
this does not stop: Sybils on a majority of distinct IPs can still move the clock by up
to ``max_correction``, and honest peers behind one NAT (or on one machine) count as one.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ClockVerdict:
    """How our clock stands against the peers'. ``ahead`` maps each peer whose clock is
    more than the bound behind ours (we are ahead of it) to its offset, ``behind`` each
    peer whose clock is more than the bound ahead; ``correction_ms`` is what to add to our
    clock to read the swarm's time (0 unless a strict majority of ``min_hosts`` or more
    distinct hosts agree, and never beyond ``max_correction``); ``refused_ms`` a correction
    the hosts agreed on that is beyond that bound, so not applied."""

    peers: int
    ahead: dict[str, int]
    behind: dict[str, int]
    correction_ms: int
    hosts: int = 0
    """Distinct hosts (connected peers' IPs) that voted."""
    refused_ms: int = 0
    max_correction_ms: int = 0

    @property
    def note(self) -> str | None:
        """One plain line ("clock 120 s ahead of 3 peers") when our clock is off, else None."""
        parts = []
        if self.ahead:
            seconds = -statistics.median(self.ahead.values()) / 1000
            parts.append(f"{seconds:.0f} s ahead of {_count(len(self.ahead))}")
        if self.behind:
            seconds = statistics.median(self.behind.values()) / 1000
            parts.append(f"{seconds:.0f} s behind {_count(len(self.behind))}")
        if not parts:
            return None
        if self.refused_ms:
            bound = self.max_correction_ms / 1000
            parts.append(
                f"{self.hosts} hosts put it at {self.refused_ms / 1000:+.0f} s, beyond the "
                f"{bound:g} s clock.max_correction: not corrected, so this node's finetune "
                "contributions may be refused"
            )
        return "clock " + "; ".join(parts)


def _count(n: int) -> str:
    return f"{n} peer" + ("s" if n != 1 else "")


class OffsetEstimator:
    """Per peer, the median of its last ``samples`` clock offsets (ms, peer minus ours)."""

    def __init__(self, samples: int = 15) -> None:
        self.samples = samples
        self._seen: dict[str, deque[int]] = {}

    def add(self, peer: str, offset_ms: int) -> None:
        self._seen.setdefault(peer, deque(maxlen=self.samples)).append(int(offset_ms))

    def forget(self, peer: str) -> None:
        self._seen.pop(peer, None)

    def offset(self, peer: str) -> int | None:
        """The peer's clock minus ours (ms), or None before any sample."""
        seen = self._seen.get(peer)
        return None if not seen else int(statistics.median(seen))

    def offsets(self) -> dict[str, int]:
        return {peer: int(statistics.median(seen)) for peer, seen in self._seen.items() if seen}

    def verdict(self, bound_ms: int) -> ClockVerdict:
        """Where our clock stands, with ``bound_ms`` the largest offset that is no news."""
        offsets = self.offsets()
        ahead = {p: o for p, o in sorted(offsets.items()) if o < -bound_ms}
        behind = {p: o for p, o in sorted(offsets.items()) if o > bound_ms}
        return ClockVerdict(len(offsets), ahead, behind, 0)

    def vote(
        self, bound_ms: int, hosts: Mapping[str, str], min_hosts: int, max_correction_ms: int
    ) -> ClockVerdict:
        """``verdict`` plus the correction the hosts vote for: ``hosts`` maps each connected
        peer to its host (IP); a peer not in it (gone, or only an author of gossip) has no
        vote. Each host votes the median of its peers' offsets."""
        seen = self.verdict(bound_ms)
        by_host: dict[str, list[int]] = {}
        for peer, offset in self.offsets().items():
            if hosts.get(peer):
                by_host.setdefault(hosts[peer], []).append(offset)
        votes = [int(statistics.median(v)) for v in by_host.values()]
        agreed = 0
        for side in ([v for v in votes if v < -bound_ms], [v for v in votes if v > bound_ms]):
            if len(votes) >= min_hosts and 2 * len(side) > len(votes):
                agreed = int(statistics.median(side))
        applied = agreed if abs(agreed) <= max_correction_ms else 0
        return ClockVerdict(
            seen.peers,
            seen.ahead,
            seen.behind,
            applied,
            len(votes),
            agreed - applied,
            max_correction_ms,
        )
