"""The simulated network layer (bench/network/sim.py, book.py, scale.py): the overlay it
builds, the finding it exists for (one bootstrap without a connection manager refuses
joiners past ``max_connections``; the node's own manager fixes it), cost per node against
N, and the peer book seam."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from bench.network.book import Book
from bench.network.sim import Params, simulate


def test_every_peer_reaches_the_target_degree_from_one_bootstrap() -> None:
    result = simulate(Params(peers=60, seconds=40))
    assert result["reached_target_fraction"] == 1.0
    assert result["degree"]["min"] >= 6
    assert result["reach_fraction_min"] == 1.0  # every record reaches every peer


def test_a_full_bootstrap_refuses_joiners_unless_a_connection_manager_trims() -> None:
    small = {"peers": 80, "seconds": 80, "max_connections": 20, "join_spacing": 0.5}
    without = simulate(Params(**small, manager=False))
    assert without["join_failures"] > 0
    assert without["reached_target_fraction"] < 1.0
    trimmed = simulate(Params(**small))
    assert trimmed["join_failures"] == 0
    assert trimmed["reached_target_fraction"] == 1.0
    assert trimmed["bootstrap_degree"] <= 12


def test_cost_per_node_is_flat_and_hops_grow_slowly_with_a_connection_manager() -> None:
    """The node's own book and connection manager: a trimmed peer that heard "full" is not
    redialled, so the bootstrap does not refill and no joiner is refused."""
    small = simulate(Params(peers=20, seconds=60))
    large = simulate(Params(peers=400, seconds=60))
    ratio = large["bytes_per_node_s"]["median"] / small["bytes_per_node_s"]["median"]
    assert 0.5 < ratio < 1.5, ratio  # 20x the peers, about the same bytes per node
    assert large["degree"]["max"] <= 12
    assert large["mesh_hops_max"] <= 3 * small["mesh_hops_max"]
    assert large["join_failures"] == 0 and large["reached_target_fraction"] == 1.0
    assert large["bootstrap_degree"] <= 12


def test_the_book_contract() -> None:
    book = Book("me", random.Random(0))
    assert book.learn("a", ["b", "c", "me", "a"], 0.0) == 2  # not ourselves, not the source
    assert sorted(book.candidates(0.0, set(), 10)) == ["b", "c"]
    assert book.sample(10, "x") == []  # hints are never passed on
    book.connected("b", 0.0)
    assert book.sample(10, "x") == ["b"]
    assert book.dial_failed("c", 0.0) > 0
    assert book.candidates(0.0, {"b"}, 10) == []  # c backs off, b is connected
    book.said_full("b", True, 0.0, 300.0)
    book.disconnected("b", 1.0)
    assert "b" not in book.candidates(2.0, set(), 10)  # b said full, then closed: held


def test_scale_quick_writes_its_report(quick_report: Callable[..., dict[str, Any]]) -> None:
    report = quick_report("bench.network.scale", timeout=300)
    rows = report["variants"]["connection manager"]
    assert [r["peers"] for r in rows] == [10, 30, 100]
    assert report["command"].startswith("python -m bench.network.scale")
