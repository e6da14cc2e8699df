"""Each G-Rank formula pinned on a hand-computed example."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from models.rank.config import BYTESWARM, GLOBAL_COUNTS, PAPER_F0, PAPER_F1
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item
from models.rank.similarity import max_normalise, raw_similarity, top_terms

# Titles share no token with the queries, so only clicks decide the click scores.
CATALOGUE = [Item(name, f"title {name}", "artist", ()) for name in ("x", "y", "z", "w")]


def rows(author: str, clicks: list[tuple[str, str]], start_ts: float = 0.0) -> list[ClickRow]:
    return [
        ClickRow(author, seq, query, ("x", "y"), item, start_ts + seq)
        for seq, (query, item) in enumerate(clicks)
    ]


def world(config: object) -> RankIndex:
    """me: a->x, b->y, a->z; p1: b->y, c->z, c->w; p2: a->x, b->x."""
    assert isinstance(config, type(PAPER_F0))
    index = RankIndex("me", config, CATALOGUE)
    index.add_rows(rows("me", [("a", "x"), ("b", "y"), ("a", "z")]))
    index.add_rows(rows("p1", [("b", "y"), ("c", "z"), ("c", "w")]))
    index.add_rows(rows("p2", [("a", "x"), ("b", "x")]))
    return index


def test_raw_similarity_formula() -> None:
    # k_t = |{a,b} ∩ {b,c}| = 1, k_m = |{x,y,z} ∩ {y,z,w}| = 2, k_u = 4 -> (1 + 4) / 4
    assert raw_similarity({"a", "b"}, {"x", "y", "z"}, {"b", "c"}, {"y", "z", "w"}) == 1.25
    assert raw_similarity(set(), set(), {"a"}, set()) == 0.0


def test_top_terms_keeps_k_most_frequent_ties_alphabetical() -> None:
    assert top_terms({"b": 2, "a": 2, "c": 1, "d": 5}, 3) == {"d", "a", "b"}


def test_max_normalise() -> None:
    assert max_normalise({"p": 2.0, "q": 0.5}) == {"p": 1.0, "q": 0.25}
    assert max_normalise({"p": 0.0}) == {"p": 0.0}


def test_similarity_of_index_is_max_normalised() -> None:
    # p1: (1 + 2^2) / 4 = 1.25; p2: k_t = 2, k_m = 1, k_u = 3 -> 1.0; normalised 1.0 and 0.8
    assert world(PAPER_F0).similarity() == pytest.approx({"p1": 1.0, "p2": 0.8})


def test_score_with_f0() -> None:
    index = world(PAPER_F0)
    # x: own 1 * (1 + 0) + p2 1 * 0.8; z: own 1 * 1
    assert index.click_scores("a") == pytest.approx({"x": 1.8, "z": 1.0})
    assert index.click_scores("c") == pytest.approx({"z": 1.0, "w": 1.0})


def test_score_with_f1() -> None:
    index = world(PAPER_F1)
    # x: own 1 * (1 + 1) + p2 1 * (0.8 + 1); z: own 2
    assert index.click_scores("a") == pytest.approx({"x": 3.8, "z": 2.0})
    assert index.click_scores("c") == pytest.approx({"z": 2.0, "w": 2.0})


def test_trust_floor_drops_dissimilar_authors_including_f() -> None:
    index = world(dataclasses.replace(PAPER_F1, trust_floor=0.9))
    assert index.author_weights() == pytest.approx({"me": 2.0, "p1": 2.0, "p2": 0.0})
    assert index.click_scores("a") == pytest.approx({"x": 2.0, "z": 2.0})


@pytest.mark.parametrize(("power", "p2"), [(1.0, 0.8), (0.5, math.sqrt(0.8)), (0.0, 1.0)])
def test_similarity_power_flattens_trusted_weights(power: float, p2: float) -> None:
    # S: p1 1.0, p2 0.8; the node's own clicks keep 1 + F whatever the power
    index = world(dataclasses.replace(PAPER_F0, similarity_power=power))
    assert index.author_weights() == pytest.approx({"me": 1.0, "p1": 1.0, "p2": p2})
    # x: own 1 + p2's weight; z: own 1
    assert index.click_scores("a") == pytest.approx({"x": 1.0 + p2, "z": 1.0})


def test_similarity_power_zero_still_drops_authors_under_the_floor() -> None:
    config = dataclasses.replace(PAPER_F0, similarity_power=0.0, trust_floor=0.9)
    index = world(config)
    assert index.author_weights() == pytest.approx({"me": 1.0, "p1": 1.0, "p2": 0.0})


@pytest.mark.parametrize(
    ("cap", "spam", "one"),
    [
        ("none", 4.0, 1.0),
        ("log", math.log(5.0), math.log(2.0)),
        ("distinct", 1.0, 1.0),
        ("share", 1.0, 1.0),
        ("top", 1.0, 1.0),
    ],
)
def test_author_caps(cap: str, spam: float, one: float) -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap=cap)  # type: ignore[arg-type]
    index = RankIndex("me", config, CATALOGUE)
    index.add_rows(rows("spammer", [("q", "x")] * 4))
    index.add_rows(rows("honest", [("q", "y")]))
    assert index.click_scores("q") == pytest.approx({"x": spam, "y": one})


def test_time_decay_halves_per_half_life() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, half_life_s=10.0)
    index = RankIndex("me", config, CATALOGUE)
    index.add_rows([ClickRow("old", 0, "q", (), "x", 0.0), ClickRow("new", 0, "q", (), "x", 10.0)])
    assert index.click_scores("q") == pytest.approx({"x": 1.5})
    assert index.click_scores("q", now=20.0) == pytest.approx({"x": 0.75})


def test_decay_survives_rebasing_far_in_the_future() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, half_life_s=1.0)
    index = RankIndex("me", config, CATALOGUE)
    index.add_rows([ClickRow("a", 0, "q", (), "x", 0.0), ClickRow("a", 1, "q", (), "y", 500.0)])
    index.add_rows([ClickRow("a", 2, "q", (), "y", 501.0)])
    assert index.click_scores("q") == pytest.approx({"x": 2.0**-501, "y": 1.5}, rel=1e-9)


@pytest.mark.parametrize(("dedupe", "expected"), [(True, 1.0), (False, 2.0)])
def test_dedupe_by_author_and_seq(dedupe: bool, expected: float) -> None:
    index = RankIndex("me", dataclasses.replace(GLOBAL_COUNTS, dedupe=dedupe), CATALOGUE)
    row = ClickRow("a", 7, "q", (), "x", 1.0)
    index.add_rows([row])
    index.add_rows([row])
    assert index.click_scores("q") == pytest.approx({"x": expected})


def test_isolation_without_own_clicks_f0_versus_f1() -> None:
    for config, expected in ((PAPER_F0, {}), (PAPER_F1, {"x": 1.0})):
        index = RankIndex("me", config, CATALOGUE)
        index.add_rows(rows("p", [("q", "x")]))
        assert index.click_scores("q") == pytest.approx(expected)


def test_inverse_position_weights_clicks_by_rank_over_horizon() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, inverse_position=True, position_horizon=4)
    index = RankIndex("me", config, CATALOGUE)
    shown = ("x", "y", "z", "w")
    index.add_rows(
        [
            ClickRow("a", 0, "q", shown, "y", 0.0),  # rank 2 of horizon 4 -> 0.5
            ClickRow("a", 1, "q", shown, "w", 1.0),  # rank 4 -> 1.0
            ClickRow("b", 0, "q", ("x",), "z", 2.0),  # not in shown: a full click
        ]
    )
    assert index.click_scores("q") == pytest.approx({"y": 0.5, "w": 1.0, "z": 1.0})


def test_share_cap_splits_one_vote_per_author_and_query() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap="share")
    index = RankIndex("me", config, CATALOGUE)
    # a: 3 clicks on x and 1 on y for q (shares 0.75 / 0.25), its r click does not count for q
    index.add_rows(rows("a", [("q", "x"), ("q", "x"), ("q", "x"), ("q", "y"), ("r", "z")]))
    index.add_rows(rows("b", [("q", "y")]))
    assert index.click_scores("q") == pytest.approx({"x": 0.75, "y": 1.25})
    assert index.click_scores("r") == pytest.approx({"z": 1.0})


def test_top_cap_gives_each_authors_favourite_a_full_vote() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, author_cap="top")
    index = RankIndex("me", config, CATALOGUE)
    # a: 3 clicks on x, 1 on y for q -> x 1, y 1/3; b: one click on y -> y + 1
    index.add_rows(rows("a", [("q", "x"), ("q", "x"), ("q", "x"), ("q", "y"), ("r", "z")]))
    index.add_rows(rows("b", [("q", "y")]))
    assert index.click_scores("q") == pytest.approx({"x": 1.0, "y": 4.0 / 3.0})


def test_min_support_drops_items_few_trusted_authors_clicked() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, min_support=0.4)
    index = RankIndex("me", config, CATALOGUE)
    # four authors clicked for q: x by 3 of them (75 %), y by 1 (25 % < 40 %) even if heavily
    for author in ("a", "b", "c"):
        index.add_rows(rows(author, [("q", "x")]))
    index.add_rows(rows("d", [("q", "y")] * 9))
    assert index.click_scores("q") == pytest.approx({"x": 3.0})
    # exactly at the threshold counts: 2 of 5 authors; then all of y's 10 clicks count
    index.add_rows(rows("e", [("q", "y")]))
    assert index.click_scores("q") == pytest.approx({"x": 3.0, "y": 10.0})


def test_a_position_weighs_like_the_page_it_replaces() -> None:
    """Compact click rows (rank on the page, no page) serve the same scores and ranking as
    the rows that carry the page, with position weighting on and off."""
    rng = np.random.default_rng(5)
    items = [item.id for item in CATALOGUE]
    with_page, with_position = [], []
    for seq in range(200):
        author = f"p{seq % 7}"
        page = tuple(str(i) for i in rng.permutation(items))
        clicked = page[int(rng.integers(len(page)))] if seq % 9 else "not-shown"
        with_page.append(ClickRow(author, seq, "jazz", page, clicked, float(seq)))
        position = page.index(clicked) + 1 if clicked in page else 0
        with_position.append(ClickRow(author, seq, "jazz", (), clicked, float(seq), position))
    assert [r.page_position() for r in with_page] == [r.page_position() for r in with_position]
    for inverse in (True, False):
        config = dataclasses.replace(BYTESWARM, inverse_position=inverse, position_horizon=4)
        old, new = RankIndex("p0", config, CATALOGUE), RankIndex("p0", config, CATALOGUE)
        old.add_rows(with_page)
        new.add_rows(with_position)
        assert new.click_scores("jazz") == old.click_scores("jazz")
        assert new.rank("jazz", k=None) == old.rank("jazz", k=None)
    assert old.click_scores("jazz")  # the clicks count at all
