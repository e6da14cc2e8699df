"""The offset of each peer's clock from ours: the median of recent samples (pure).

A sample is ``peer clock - our clock`` in ms: from a clock round trip (the peer's answer
minus the midpoint of our send and receive times) or from a record it signed, gossiped to
us (its ``ts_ms`` minus our receive time: biased by the gossip delay, a second or two, which
the bound of tens of seconds does not notice). The median of the last ``samples`` per peer
ignores a stray sample; the swarm's verdict needs a strict majority of the peers that have
an estimate, so one wrong clock never moves anyone else's.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ClockVerdict:
    """How our clock stands against the peers'. ``ahead`` maps each peer whose clock is
    more than the bound behind ours (we are ahead of it) to its offset, ``behind`` each
    peer whose clock is more than the bound ahead; ``correction_ms`` is what to add to our
    clock to read the swarm's time (0 unless a strict majority of two or more peers agree)."""

    peers: int
    ahead: dict[str, int]
    behind: dict[str, int]
    correction_ms: int

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
        return "clock " + " and ".join(parts) if parts else None


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
        correction = 0
        for side in (ahead, behind):
            if len(offsets) >= 2 and 2 * len(side) > len(offsets):
                correction = int(statistics.median(side.values()))
        return ClockVerdict(len(offsets), ahead, behind, correction)
