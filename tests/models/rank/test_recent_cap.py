"""``author_cap="recent"``: one vote per (author, query, item) decaying from the latest click."""

from __future__ import annotations

import dataclasses

import pytest

from models.rank.config import GLOBAL_COUNTS, AuthorCap
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item

CATALOGUE = [Item(name, f"title {name}", "artist", ()) for name in ("x", "y")]


def click(author: str, seq: int, item: str, ts: float) -> ClickRow:
    return ClickRow(author, seq, "q", (), item, ts)


def index_for(cap: AuthorCap) -> RankIndex:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap=cap, half_life_s=10.0)
    index = RankIndex("me", config, CATALOGUE)
    # b: 8 clicks on y at t = 0; a: one click on x at t = 0, another at t = 10; now = 20
    index.add_rows([click("b", seq, "y", 0.0) for seq in range(8)])
    index.add_rows([click("a", 0, "x", 0.0), click("a", 1, "x", 10.0), click("c", 0, "x", 20.0)])
    return index


def test_a_burst_counts_as_one_click_at_its_time() -> None:
    # recent: b's vote 2^(-20/10) = 0.25; a's from its latest click 2^(-10/10) = 0.5; c's 1
    assert index_for("recent").click_scores("q") == pytest.approx({"x": 1.5, "y": 0.25})


def test_with_distinct_the_same_burst_keeps_a_full_vote() -> None:
    # distinct: b min(8 * 0.25, 1) = 1; a min(0.25 + 0.5, 1) = 0.75; c 1
    assert index_for("distinct").click_scores("q") == pytest.approx({"x": 1.75, "y": 1.0})


def test_without_decay_recent_is_one_vote_like_distinct() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap="recent", half_life_s=None)
    index = RankIndex("me", config, CATALOGUE)
    index.add_rows([click("b", seq, "y", float(seq)) for seq in range(5)])
    index.add_rows([click("a", 0, "x", 0.0)])
    assert index.click_scores("q") == pytest.approx({"x": 1.0, "y": 1.0})
