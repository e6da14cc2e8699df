"""Per-query consensus reweighting (``RankConfig.consensus_rounds``) on hand-computed examples."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from models.rank.config import GLOBAL_COUNTS
from models.rank.counters import agreement
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item

CATALOGUE = [Item(name, f"title {name}", "artist", ()) for name in ("x", "y", "z")]


def clicks(author: str, items: list[str], query: str = "q") -> list[ClickRow]:
    return [ClickRow(author, seq, query, (), item, float(seq)) for seq, item in enumerate(items)]


def index_with(rounds: int) -> RankIndex:
    """a, b: x once each; m: y once (distinct cap, every author weight 1)."""
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap="distinct", consensus_rounds=rounds)
    index = RankIndex("me", config, CATALOGUE)
    for author, item in (("a", "x"), ("b", "x"), ("m", "y")):
        index.add_rows(clicks(author, [item]))
    return index


def test_off_by_default_and_zero_rounds_is_the_plain_sum() -> None:
    assert GLOBAL_COUNTS.consensus_rounds == 0
    assert index_with(0).click_scores("q") == pytest.approx({"x": 2.0, "y": 1.0})


def test_each_round_scales_a_dissenter_by_its_agreement() -> None:
    # round 1: scores x 2, y 1 -> agreement a = b = 2/2 = 1, m = 1/2 -> y 0.5
    assert index_with(1).click_scores("q") == pytest.approx({"x": 2.0, "y": 0.5})
    # round 2: scores x 2, y 0.5 -> m = 0.5/2 = 0.25 (from its full weight, not compounded)
    assert index_with(2).click_scores("q") == pytest.approx({"x": 2.0, "y": 0.25})


def test_agreement_uses_the_authors_split_and_never_discounts_the_node() -> None:
    # pairs (item, author): author 1 splits 3:1 over items 0 and 1; author 0 (the node) on 1
    items = np.array([0, 1, 1])
    authors = np.array([1, 1, 0])
    shares = np.array([0.75, 0.25, 1.0])
    totals = np.array([4.0, 2.0])
    # author 1: 0.75 * 4/4 + 0.25 * 2/4 = 0.875; the node keeps 1 though it backs item 1
    assert agreement(items, authors, shares, totals) == pytest.approx([1.0, 0.875])


def test_a_clique_on_one_query_loses_weight_there_only() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap="distinct", consensus_rounds=1)
    index = RankIndex("me", config, CATALOGUE)
    for author in ("a", "b", "c"):
        index.add_rows(clicks(author, ["x"]))
    # m1, m2 click x like everyone on q, but only z on r (nobody else clicked r)
    for author in ("m1", "m2"):
        index.add_rows(clicks(author, ["y", "z"], query="r"))
        index.add_rows([ClickRow(author, 5, "q", (), "y", 5.0)])
    # q: x 3, y 2 -> a, b, c agree 1; m1, m2 agree 2/3 -> y 4/3
    assert index.click_scores("q") == pytest.approx({"x": 3.0, "y": 4.0 / 3.0})
    # r: m1, m2 split 1/2 : 1/2 over y and z, both scored 2 -> agreement 1, nothing changes
    assert index.click_scores("r") == pytest.approx({"y": 2.0, "z": 2.0})
