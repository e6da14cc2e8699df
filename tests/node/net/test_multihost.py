"""Five hosts in network namespaces on one bridge, a real daemon on each (issue 21 item 6).

Every host has an address that exists only inside its namespace (10.77.0.1-5); nodes 1-4
are given node 0 as their one bootstrap. Faults are link operations (bench/network/netns.py):
a cut link drops every packet without a FIN, a partition moves ports to another bridge.

Tests marked "needs discovery" or "needs liveness" check issue 21 items 1-2 (peer
exchange beyond the bootstrap; a dead peer dropped within 15 s, records flowing again
within 5 s of a heal): they fail on a node without them, by design.

Deadlines: the issue's goals are 30 s to a mesh, 15 s to drop a dead peer and 5 s to
converge after a heal; the tests give ``SLACK`` more on top (status snapshots are written
once a second, publishing goes through a CLI process, and 5 daemons share 2 cores here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.network.cluster import Cluster
from bench.network.netns import Fabric, unavailable_reason

pytestmark = [pytest.mark.network, pytest.mark.integration]

HOSTS = 5
SLACK = 5.0
MESH_S = 30.0
DEAD_PEER_S = 15.0
CONVERGE_S = 5.0
NOTES = "byteswarm/notes"
CLICKS = "rank/clicks"
CATALOGUE = [
    {"id": "a1", "title": "Kind of Blue", "artist": "Miles Davis", "tags": ["jazz"]},
    {"id": "a2", "title": "Blue Train", "artist": "John Coltrane", "tags": ["jazz"]},
]


LOSSY = '[link_faults]\nrules = ["* delay_ms=50 jitter_ms=10 drop=0.05"]\n'
"""Every node's sends: 50 ± 10 ms one way and 5 % segment loss (node/net/link_faults.py)."""


@contextmanager
def five_hosts(root: Path, config: str = "") -> Iterator[Cluster]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    with Fabric(HOSTS) as fabric, Cluster(fabric, root, config) as c:
        c.start_star()
        yield c


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with five_hosts(tmp_path) as c:
        yield c


def full_mesh(c: Cluster, hosts: list[int]) -> bool:
    return all({c.peer_ids[j] for j in hosts if j != i} <= c.connected(i) for i in hosts)


def same_records(c: Cluster, hosts: list[int], topic: str, want: set[tuple[str, int]]) -> bool:
    return all(want <= c.records(i, topic) for i in hosts)


def click(c: Cluster, i: int, item: str) -> None:
    path = c.data_dir(i) / "catalogue.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in CATALOGUE))
    for args in (("items", "import", str(path)), ("click", "blue", item)):
        done = c.cli(i, *args)
        assert done.returncode == 0, done.stderr


def test_mesh_grows_beyond_the_bootstrap(cluster: Cluster) -> None:
    """needs discovery: with one bootstrap address every node reaches every other host."""
    c = cluster
    everyone = list(range(HOSTS))
    c.wait_for(lambda: full_mesh(c, everyone), MESH_S + SLACK, "a full mesh of 5 hosts")


def test_killing_the_bootstrap_partitions_no_one(cluster: Cluster) -> None:
    """needs discovery: after the bootstrap dies, a note from host 1 reaches hosts 2-4."""
    c = cluster
    everyone = list(range(HOSTS))
    c.wait_for(lambda: full_mesh(c, everyone), MESH_S + SLACK, "a full mesh of 5 hosts")
    c.stop(0, kill=True)
    c.publish(1, "after the bootstrap died")
    mine = c.records(1, NOTES)
    assert mine
    c.wait_for(
        lambda: same_records(c, [2, 3, 4], NOTES, mine),
        CONVERGE_S + SLACK,
        "host 1's note on hosts 2-4 without the bootstrap",
    )


def test_partition_with_publishes_on_both_sides_heals_to_full_convergence(
    cluster: Cluster,
) -> None:
    """needs discovery and liveness: hosts {0,1,2} | {3,4} publish notes and click rows on
    both sides; each side converges on its own; the partition lasts until the links across
    are dropped as dead, and after the heal everyone holds everything."""
    c = cluster
    everyone = list(range(HOSTS))
    left, right = [0, 1, 2], [3, 4]
    c.wait_for(lambda: full_mesh(c, everyone), MESH_S + SLACK, "a full mesh of 5 hosts")
    c.fabric.partition([left, right])
    c.publish(1, "left side", count=3)
    c.publish(3, "right side", count=3)
    click(c, 2, "a1")
    click(c, 4, "a2")
    notes_left, notes_right = c.records(1, NOTES), c.records(3, NOTES)
    clicks_left, clicks_right = c.records(2, CLICKS), c.records(4, CLICKS)
    assert len(notes_left) == len(notes_right) == 3
    assert len(clicks_left) == len(clicks_right) == 1
    c.wait_for(
        lambda: (
            same_records(c, right, NOTES, notes_right)
            and same_records(c, right, CLICKS, clicks_right)
        ),
        CONVERGE_S + SLACK,
        "the right side (hosts 3, 4) to share its records while cut off",
    )
    c.wait_for(
        lambda: (
            same_records(c, left, NOTES, notes_left) and same_records(c, left, CLICKS, clicks_left)
        ),
        CONVERGE_S + SLACK,
        "the left side (hosts 0-2) to share its records while cut off",
    )
    assert not notes_right & c.records(0, NOTES), "the partition leaked"
    right_ids = {c.peer_ids[i] for i in right}
    c.wait_for(  # a long partition: the links across are dropped as dead before the heal
        lambda: all(c.status(i) and not right_ids & c.connected(i) for i in left),
        DEAD_PEER_S + SLACK,
        "the left side to drop its links to the right side",
    )
    c.fabric.heal()
    c.wait_for(
        lambda: (
            same_records(c, everyone, NOTES, notes_left | notes_right)
            and same_records(c, everyone, CLICKS, clicks_left | clicks_right)
        ),
        CONVERGE_S + SLACK,
        "every note and click row on every host after the heal",
    )


def test_a_dead_peer_is_dropped_within_15_s(cluster: Cluster) -> None:
    """needs liveness: host 4's link goes down (no FIN); host 0 drops it within 15 s."""
    c = cluster
    dead = c.peer_ids[4]
    c.wait_for(lambda: dead in c.connected(0), MESH_S, "host 0 connected to host 4")
    c.fabric.cut(4)
    c.wait_for(
        lambda: (c.status(0) is not None and dead not in c.connected(0)) or None,
        DEAD_PEER_S + SLACK,
        "host 0 to drop host 4 after its link went down",
    )


def test_an_isolated_node_restarted_while_isolated_catches_up_after_the_heal(
    cluster: Cluster,
) -> None:
    """Host 4 is cut off, restarted while cut off (its bootstrap unreachable), misses notes
    from hosts 0-3, and holds them all soon after its link comes back."""
    c = cluster
    c.wait_for(lambda: c.peer_ids[4] in c.connected(0), MESH_S, "host 0 connected to host 4")
    c.fabric.cut(4)
    c.stop(4)
    c.start(4, [0])
    c.wait_up(4)
    for i in range(4):
        c.publish(i, f"while host 4 was away ({i})", count=2)
    missed = set().union(*(c.records(i, NOTES) for i in range(4)))
    assert len(missed) >= 8
    c.wait_for(lambda: same_records(c, [0, 1, 2, 3], NOTES, missed), 15, "hosts 0-3 in sync")
    assert not missed & c.records(4, NOTES)
    c.fabric.restore(4)
    c.wait_for(
        lambda: missed <= c.records(4, NOTES),
        CONVERGE_S + SLACK,
        "host 4 to catch up after its link came back",
    )


def test_records_cross_delayed_lossy_links(tmp_path: Path) -> None:
    """Every link 50 ms one way with 5 % loss: a note from host 1 still reaches every host,
    and the fault layer did stall some sends."""
    with five_hosts(tmp_path, LOSSY) as c:
        everyone = list(range(HOSTS))
        c.wait_for(
            lambda: all(len(c.connected(i)) >= 1 for i in everyone), MESH_S, "every host linked"
        )
        c.publish(1, "over a bad link", count=5)
        mine = c.records(1, NOTES)
        c.wait_for(
            lambda: same_records(c, everyone, NOTES, mine),
            CONVERGE_S + SLACK,
            "host 1's notes on every host over lossy links",
        )
        counters = [(c.status(i) or {}).get("counters", {}) for i in everyone]
        assert all(n.get("link_fault_writes", 0) > 0 for n in counters), counters
        assert sum(n.get("link_fault_stalls", 0) for n in counters) > 0


def test_a_finetune_run_split_by_a_partition_ends_on_one_theta(cluster: Cluster) -> None:
    """needs discovery and liveness: a tiny one-byte SPSA run on all five hosts is split
    {0,1,2} | {3,4} for a few rounds; after the heal every host closes the run on the
    same θ hash."""
    from node.cli.control import send_control
    from node.cli.swarm import finetune_run

    c = cluster
    everyone = list(range(HOSTS))
    rounds = 12
    c.wait_for(lambda: full_mesh(c, everyone), MESH_S + SLACK, "a full mesh of 5 hosts")
    args = {
        "run_id": "split", "model": "tiny", "mode": "shared", "rounds": rounds,
        "round_seconds": 1.0, "checkpoint_every": 4, "delay_seconds": 3.0,
    }  # fmt: skip
    send_control(c.data_dir(0), "train_start", args, timeout=60)
    c.wait_for(
        lambda: all(finetune_run(c.data_dir(i), "split").get("round", 0) >= 3 for i in everyone),
        40,
        "round 3 on every host",
    )
    c.fabric.partition([[0, 1, 2], [3, 4]])
    c.wait_for(lambda: finetune_run(c.data_dir(0), "split").get("round", 0) >= 7, 20, "round 7")
    c.fabric.heal()

    def one_theta() -> bool:
        runs = [finetune_run(c.data_dir(i), "split") for i in everyone]
        return all(r.get("final_round") == rounds for r in runs) and (
            len({r.get("sha256") for r in runs}) == 1
        )

    c.wait_for(one_theta, 40, "every host to close the run on one θ")
