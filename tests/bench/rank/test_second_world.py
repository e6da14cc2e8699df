"""The second world: its catalogue, grades and query mix, and how the simulation runs it
(partial catalogues, initial clicks, its own clock), leaving the first world's draws alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.rank.scenario import Scenario
from bench.rank.second_world import MIN_PAIR_ITEMS, second_world
from bench.rank.sim import Simulation
from bench.rank.world import realistic_world
from models.rank.config import BYTESWARM_V2, PAPER_F0


def test_the_same_seed_makes_the_same_world_and_another_seed_another() -> None:
    assert second_world(5).items == second_world(5).items
    assert second_world(5).items != second_world(6).items
    # its own seed space: nothing shared with the first world's catalogue
    assert {i.id for i in second_world(0).items}.isdisjoint(i.id for i in realistic_world(0).items)


def test_grades_run_0_to_4_and_every_graded_item_matches_its_query() -> None:
    world = second_world(0)
    tags = {item.id: set(item.tags) for item in world.items}
    seen = set()
    for query in world.queries:
        matches = set(world.matches[query])
        for item, grade in world.grades[query].items():
            seen.add(grade)
            assert item in matches and set(query.split()) & tags[item]  # reachable by BM25
    assert seen == {1, 2, 3, 4}


def test_genre_and_two_term_queries() -> None:
    world = second_world(0)
    single = [q for q in world.queries if " " not in q]
    pairs = [q for q in world.queries if " " in q]
    assert len(single) == 12 and len(pairs) == 36
    for query in pairs:
        both = [item for item, grade in world.grades[query].items() if grade >= 2]
        assert len(both) >= MIN_PAIR_ITEMS


def test_metadata_is_informative_but_wrong_sometimes() -> None:
    # some items the metadata says have a mood do not (graded 0 for the pair query), and
    # the two-term BM25 match is not the relevance order
    world = second_world(0)
    pairs = [q for q in world.queries if " " in q]
    tags = {item.id: set(item.tags) for item in world.items}
    wrong = sum(
        1
        for q in pairs
        for item in world.matches[q]
        if set(q.split()) <= tags[item] and world.grades[q].get(item, 0) < 2
    )
    missed = sum(
        1
        for q in pairs
        for item, grade in world.grades[q].items()
        if grade >= 2 and not set(q.split()) <= tags[item]
    )
    assert wrong > 0 and missed > 0


def test_uniform_and_zipf_query_distributions() -> None:
    uniform = second_world(0, queries="uniform").query_p
    assert np.allclose(uniform, 1.0 / len(uniform))
    zipf = np.sort(second_world(0, queries="zipf", zipf_s=1.1).query_p)[::-1]
    assert zipf.sum() == pytest.approx(1.0)
    ranks = np.arange(1, len(zipf) + 1)
    assert np.allclose(zipf / zipf[0], ranks**-1.1)
    with pytest.raises(ValueError):
        second_world(0, queries="bursty")


def test_the_schedule_follows_the_query_distribution() -> None:
    scenario = Scenario("s", world="second_zipf", clicks="pbm1", n_nodes=10, n_queries=20_000)
    sim = Simulation(scenario, PAPER_F0, seed=0)
    observed = np.bincount(sim.schedule_queries, minlength=len(sim.world.queries)) / 20_000
    assert np.abs(observed - sim.world.query_p).max() < 0.01


def _small(world: str = "second_uniform", clicks: str = "dbn1") -> Scenario:
    return Scenario("s", world=world, clicks=clicks, n_nodes=20, n_queries=300, n_eval_nodes=4)


def test_peers_know_part_of_the_catalogue_and_serve_only_that() -> None:
    sim = Simulation(_small(), BYTESWARM_V2, seed=0)
    sim.run()
    world = sim.world
    shares = []
    for node in sim.nodes:
        known = node.catalogue_ids
        assert known is not None and len(known) == len(node.items)
        shares.append(len(known) / len(world.items))
        for query in world.queries:
            assert set(node.index.rank(query, k=None)) <= known
    assert np.mean(shares) == pytest.approx(world.known_fraction, abs=0.03)
    assert len({node.catalogue_ids for node in sim.nodes}) == len(sim.nodes)


def test_every_peer_starts_with_its_random_clicks_at_time_0() -> None:
    sim = Simulation(_small(), PAPER_F0, seed=0)
    for node in sim.nodes:
        first = [row for row in node.log if row.author == node.index.self_id]
        assert len(first) == sim.world.initial_clicks
        assert all(row.ts == 0.0 and row.shown == (row.clicked,) for row in first)
        assert all(row.clicked in (node.catalogue_ids or ()) for row in first)


def test_one_click_per_query_on_the_worlds_own_clock() -> None:
    sim = Simulation(_small(clicks="pbm1"), PAPER_F0, seed=1)
    sim.run()
    rows = [row for node in sim.nodes for row in node.log if row.author == node.index.self_id]
    made = [row for row in rows if row.ts > 0]
    steps = {row.ts for row in made}
    assert len(steps) == len(made)  # no query gave two clicks
    assert sim.clock is not None and np.all(np.diff(sim.clock) > 0)
    assert np.mean(np.diff(sim.clock)) == pytest.approx(sim.world.mean_gap_s, rel=0.2)


def test_the_first_world_draws_what_it_drew_before() -> None:
    # no partial catalogue, initial clicks or clock there: the second world's streams are unused
    scenario = Scenario("p", world="realistic", clicks="position", n_nodes=10, n_queries=50)
    sim = Simulation(scenario, PAPER_F0, seed=0)
    assert sim.clock is None and all(node.catalogue_ids is None for node in sim.nodes)
    assert all(not node.log for node in sim.nodes)


def test_a_partial_catalogue_is_measured_against_what_the_peer_knows() -> None:
    sim = Simulation(_small(), PAPER_F0, seed=0)
    point = sim.evaluator.evaluate(sim.eval_nodes)
    # the best of what a peer knows is within its reach; the whole catalogue's is not
    assert point["ndcg"] > point["ndcg_catalogue"]
    node = sim.eval_nodes[0]
    restricted = sim.evaluator.grades_for(node)
    assert all(set(g) <= (node.catalogue_ids or set()) for g in restricted.values())


def test_world_options_switch_the_differences_off_one_at_a_time() -> None:
    options = (("known_fraction", 1.0), ("initial_clicks", 0), ("mean_gap_s", None))
    scenario = replace(_small(), world_options=options)
    sim = Simulation(scenario, PAPER_F0, seed=0)
    assert sim.clock is None and not any(node.log for node in sim.nodes)
    assert all(node.catalogue_ids is None for node in sim.nodes)
    assert sim.world.items == second_world(0).items  # the same catalogue and grades
