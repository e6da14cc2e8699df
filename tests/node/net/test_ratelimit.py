"""Token buckets: burst, refill and per-key isolation, on a fake clock."""

from __future__ import annotations

import pytest

from node.net.ratelimit import TokenBuckets


def test_burst_then_refill() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.take("b")  # another peer has its own bucket
    now[0] += 0.5  # one token back
    assert buckets.take("a")
    assert not buckets.take("a")
    assert not buckets.take("a", cost=0.5)
    now[0] += 100
    assert not buckets.take("a", cost=4.0)  # never more than the burst
    assert buckets.take("a", cost=3.0)


def test_memory_is_bounded() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1.0, max_keys=10)
    for i in range(100):
        buckets.take(str(i))
    assert len(buckets._buckets) <= 10


def test_rejects_nonsense_parameters() -> None:
    with pytest.raises(ValueError):
        TokenBuckets(rate=0, burst=1)
