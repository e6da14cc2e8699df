"""``bench.rank.metrics.by_terms``: served nDCG per query length."""

from __future__ import annotations

import pytest

from bench.rank.metrics import by_terms, ndcg_at
from bench.rank.second_world import second_world


def best(grades: dict[str, int]) -> list[str]:
    return sorted(grades, key=lambda item: -grades[item])[:10]


def test_each_query_length_is_scored_on_its_own_queries() -> None:
    world = second_world(0, "zipf")
    # perfect on one-term (genre) queries, nothing served on two-term ones
    rankings = {q: best(world.grades[q]) if " " not in q else [] for q in world.queries}
    found = by_terms(world, rankings, world.grades)
    assert found == {"ndcg_terms_1": pytest.approx(1.0), "ndcg_terms_2": 0.0}


def test_the_groups_weighted_by_their_traffic_give_the_served_ndcg() -> None:
    world = second_world(1, "zipf")
    # a ranking that is neither perfect nor empty: the best list reversed
    rankings = {q: best(world.grades[q])[::-1] for q in world.queries}
    found = by_terms(world, rankings, world.grades)
    traffic = list(zip(world.queries, world.query_p, strict=True))
    share = {n: sum(p for q, p in traffic if len(q.split()) == n) for n in (1, 2)}
    overall = sum(p * ndcg_at(rankings[q], world.grades[q]) for q, p in traffic)
    assert 0.0 < found["ndcg_terms_1"] < 1.0
    assert share[1] * found["ndcg_terms_1"] + share[2] * found["ndcg_terms_2"] == pytest.approx(
        overall
    )
