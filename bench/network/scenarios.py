"""The measured scenarios of ``mesh.py``, one function each, on a running ``Cluster``.

Times come from polling: peers from the status snapshots the daemons write once a second
(a peer time is good to about ±1 s), records from the store files (±0.2 s). A scenario
that does not finish within its timeout returns None for its time, never a made-up number.
"""

from __future__ import annotations

import time
from typing import Any

from bench.network.cluster import Cluster

NOTES = "byteswarm/notes"
POLL = 0.2


def wait_time(predicate: Any, timeout: float) -> float | None:
    """Seconds until ``predicate()`` holds, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(POLL)
    return None


def mesh(c: Cluster, degree_low: int, timeout: float) -> dict[str, Any]:
    """Start every host off host 0 and time, from the first start: every node with at
    least min(N-1, degree_low) peers, and the full mesh (every node connected to all)."""
    n = c.fabric.count
    start = time.monotonic()
    c.start_star()
    want = min(n - 1, degree_low)
    hosts = range(n)
    low = full = None
    while time.monotonic() - start < timeout and full is None:
        peers = [c.connected(i) for i in hosts]
        now = time.monotonic() - start
        if low is None and all(len(p) >= want for p in peers):
            low = now
        if all({c.peer_ids[j] for j in hosts if j != i} <= peers[i] for i in hosts):
            full = now
        time.sleep(POLL)
    degrees = [len(c.connected(i)) for i in hosts]
    return {"mesh_degree_low_s": low, "mesh_full_s": full, "degrees": degrees}


def convergence(c: Cluster, count: int, hold: float, timeout: float) -> dict[str, Any]:
    """Partition the hosts in two halves, publish ``count`` notes on one host of each side,
    let each side settle (up to ``timeout``), keep the partition ``hold`` seconds in all
    (long enough for the links across to be dropped as dead), heal and time until every
    host holds every acknowledged note; count the acknowledged notes missing at the end."""
    n = c.fabric.count
    split = time.monotonic()
    left, right = list(range(n // 2 + 1)), list(range(n // 2 + 1, n))
    c.fabric.partition([left, right])
    acked: dict[str, set[tuple[str, int]]] = {}
    for side, i in (("left", left[-1]), ("right", right[0])):
        before = c.records(i, NOTES)
        c.publish(i, f"{side} side while partitioned", count=count)
        acked[side] = c.records(i, NOTES) - before
    settle = [
        wait_time(lambda hosts=hosts, side=side: _all_hold(c, hosts, acked[side]), timeout)
        for side, hosts in (("left", left), ("right", right))
    ]
    leaked = any(c.records(i, NOTES) & acked["right"] for i in left) or any(
        c.records(i, NOTES) & acked["left"] for i in right
    )
    every = acked["left"] | acked["right"]
    time.sleep(max(0.0, hold - (time.monotonic() - split)))
    across = sum(1 for i in left for j in right if c.peer_ids[j] in c.connected(i))
    c.fabric.heal()
    converged = wait_time(lambda: _all_hold(c, range(n), every), timeout)
    return {
        "converge_after_heal_s": converged,
        "side_settle_s": settle,
        "acked_notes": len(every),
        "acked_missing_at_end": sum(len(every - c.records(i, NOTES)) for i in range(n)),
        "leaked_across_partition": leaked,
        "links_across_at_heal": across,
    }


def _all_hold(c: Cluster, hosts: Any, notes: set[tuple[str, int]]) -> bool:
    return all(notes <= c.records(i, NOTES) for i in hosts)


def dead_peer(c: Cluster, timeout: float) -> dict[str, Any]:
    """Once every host is linked to the last one again (up to ``timeout``), cut its link
    (no FIN) and time until every host that had it as a peer lists it no longer (the
    slowest of them)."""
    victim = c.fabric.count - 1
    pid = c.peer_ids[victim]
    others = range(c.fabric.count - 1)
    wait_time(lambda: all(pid in c.connected(i) for i in others), timeout)  # after the heal
    watchers = [i for i in range(c.fabric.count - 1) if pid in c.connected(i)]
    c.fabric.cut(victim)
    took = wait_time(lambda: not any(pid in c.connected(i) for i in watchers), timeout)
    return {"dead_peer_s": took, "watchers": len(watchers)}
