"""The simulated network layer (bench/network/sim.py, book.py, scale.py): the overlay it
builds, the finding it exists for (one bootstrap without a connection manager refuses
joiners past ``max_connections``), cost per node against N, and the peer book seam."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from bench.network.book import ModelBook, RealBook, make_book
from bench.network.sim import Params, simulate

BOOKS = ["model"] + (["real"] if isinstance(make_book("x", random.Random(0)), RealBook) else [])


def test_every_peer_reaches_the_target_degree_from_one_bootstrap() -> None:
    result = simulate(Params(peers=60, seconds=40))
    assert result["reached_target_fraction"] == 1.0
    assert result["degree"]["min"] >= 6
    assert result["reach_fraction_min"] == 1.0  # every record reaches every peer


def test_a_full_bootstrap_refuses_joiners_unless_a_connection_manager_trims() -> None:
    small = {"peers": 80, "seconds": 80, "max_connections": 20, "join_spacing": 0.5}
    as_built = simulate(Params(**small))
    assert as_built["join_failures"] > 0
    assert as_built["reached_target_fraction"] < 1.0
    trimmed = simulate(Params(**small, trim_to=6))
    assert trimmed["join_failures"] == 0
    assert trimmed["reached_target_fraction"] == 1.0
    assert trimmed["bootstrap_degree"] <= 12


def test_cost_per_node_is_flat_and_hops_grow_slowly_with_a_connection_manager() -> None:
    """On the model book: with the node's own book a trimmed peer is redialled within 2 s
    and the bootstrap refills (docs/results.md, network), which no test pins."""
    small = simulate(Params(peers=20, seconds=60, trim_to=6, model_book=True))
    large = simulate(Params(peers=400, seconds=60, trim_to=6, model_book=True))
    ratio = large["bytes_per_node_s"]["median"] / small["bytes_per_node_s"]["median"]
    assert 0.5 < ratio < 1.5, ratio  # 20x the peers, about the same bytes per node
    assert large["degree"]["max"] <= 12
    assert large["mesh_hops_max"] <= 3 * small["mesh_hops_max"]


@pytest.mark.parametrize("kind", BOOKS)
def test_the_book_contract(kind: str) -> None:
    book = make_book("me", random.Random(0), model=kind == "model")
    assert book.learn("a", ["b", "c", "me", "a"], 0.0) == 2  # not ourselves, not the source
    assert sorted(book.candidates(0.0, set(), 10)) == ["b", "c"]
    assert book.sample(10, "x") == []  # hints are never passed on
    book.connected("b", 0.0)
    assert book.sample(10, "x") == ["b"]
    assert book.dial_failed("c", 0.0) > 0
    assert book.candidates(0.0, {"b"}, 10) == []  # c backs off, b is connected
    assert isinstance(book, ModelBook) == (kind == "model")


def test_scale_quick_writes_its_report(quick_report: Callable[..., dict[str, Any]]) -> None:
    report = quick_report("bench.network.scale", timeout=300)
    rows = report["variants"]["connection manager"]
    assert [r["peers"] for r in rows] == [10, 30, 100]
    assert report["command"].startswith("python -m bench.network.scale")
