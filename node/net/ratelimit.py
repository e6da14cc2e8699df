"""Per-peer token buckets: cheap admission control before any signature check."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBuckets:
    """One token bucket per key, refilled at ``rate`` per second up to ``burst``."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens of ``key``'s bucket; False (and nothing spent) if short."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        if key not in self._buckets and len(self._buckets) >= self._max_keys:
            # Bound memory against peer-id churn: forget the fullest (idle) buckets.
            self._buckets = dict(
                sorted(self._buckets.items(), key=lambda kv: kv[1][0])[: self._max_keys // 2]
            )
        self._buckets[key] = (tokens, now)
        return allowed
