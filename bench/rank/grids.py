"""The rankers and scenario grids the rank benches run (``grank.py``, ``tune*.py``, ...).

``METHODS`` names every ``RankConfig`` a bench may run (the presets a node ships, the
paper's G-Rank, baselines and variants kept for the record); the ``*_grid`` functions pair
scenarios (``scenario.Scenario``) with the methods each compares.
"""

from __future__ import annotations

from dataclasses import replace

from bench.rank.scenario import Scenario
from models.rank.config import (
    BM25_ONLY,
    BYTESWARM,
    BYTESWARM_IPS,
    BYTESWARM_V2,
    BYTESWARM_V3,
    BYTESWARM_V4,
    BYTESWARM_V5,
    BYTESWARM_V6,
    BYTESWARM_V7,
    GLOBAL_COUNTS,
    PAPER_F0,
    PAPER_F1,
    RankConfig,
)

BYTESWARM_V2_SESSION7 = replace(BYTESWARM_V2, explore_swaps=1)
"""``byteswarm_v2`` as session 7 shipped it (one exploration swap a shown page), for the record."""
BYTESWARM_UNWEIGHTED = replace(
    BYTESWARM_V5,
    use_similarity=False,
    prior_relative=False,
    prior_strength=8.0,
    prior_cap=None,
    related_strength=None,
    half_life_rows=None,
    half_life_s=None,
    explore_concentration=0.5,
)
"""``byteswarm_unweighted`` (session 15, not a preset): v5's votes and Thompson pages read
as ``bench.rank.ceiling``'s central learner reads them (every author weighs 1, no decay, an
absolute 8-vote prior, no related queries, its concentration 0.5): how much of the second
world's gap to that learner is the similarity weighting that defends G-Rank against sybils.
``byteswarm_gated``: the same with the similarity as a gate (authors below the trust floor
weigh 0, the rest S + 1)."""
BYTESWARM_FLOOR_DECAY = replace(
    BYTESWARM_V6, prior_relative=False, prior_strength=8.0, prior_cap=None
)
"""``byteswarm_floor_decay`` (session 16, not a preset): ``byteswarm_v6`` with the central
learner's absolute 8-vote prior, the step before v6 (a flood of rows collapses its
half-life and hands the order to that prior: served nDCG 0.81-0.82 under the paper's floods).
``byteswarm_floor``: the same without decay (``byteswarm_unweighted`` with the similarity
as a gate at power 0: every author at or above the trust floor weighs 1)."""
METHODS: dict[str, RankConfig] = {
    "bm25": BM25_ONLY,
    "global_counts": GLOBAL_COUNTS,
    "grank_paper_f0": PAPER_F0,
    "grank_paper_f1": PAPER_F1,
    "byteswarm": BYTESWARM,
    "byteswarm_ips": BYTESWARM_IPS,
    "byteswarm_v2": BYTESWARM_V2,
    "byteswarm_v2_session7": BYTESWARM_V2_SESSION7,
    "byteswarm_v3": BYTESWARM_V3,
    "byteswarm_v3_absolute": replace(BYTESWARM_V3, prior_relative=False),
    "byteswarm_v3_long": replace(BYTESWARM_V3, half_life_rows=7_400.0, half_life_s=4_000.0),
    "byteswarm_v4": BYTESWARM_V4,
    "byteswarm_v5": BYTESWARM_V5,
    "byteswarm_unweighted": BYTESWARM_UNWEIGHTED,
    "byteswarm_gated": replace(BYTESWARM_UNWEIGHTED, use_similarity=True, isolation_f=1.0),
    "byteswarm_v6": BYTESWARM_V6,
    "byteswarm_v7": BYTESWARM_V7,
    "byteswarm_floor_decay": BYTESWARM_FLOOR_DECAY,
    "byteswarm_floor": replace(BYTESWARM_FLOOR_DECAY, half_life_rows=None, half_life_s=None),
}
PAPERS_AND_OURS = ["grank_paper_f0", "grank_paper_f1", "byteswarm"]
HALF_LIFE_KINDS = ["byteswarm", "byteswarm_v2"]
"""A half-life fixed in seconds and one counted in rows: the attacks on the click rate."""
ATTACKED = [
    "grank_paper_f1",
    "byteswarm",
    "byteswarm_ips",
    "byteswarm_v2",
    "byteswarm_v3",
    "byteswarm_v3_long",
    "byteswarm_v4",
    "byteswarm_v5",
    "byteswarm_v6",
    "byteswarm_v7",
]
WORLDS_METHODS = [
    "bm25",
    "grank_paper_f0",
    "byteswarm",
    "byteswarm_v2",
    "byteswarm_v2_session7",
    "byteswarm_v3",
    "byteswarm_v3_absolute",
    "byteswarm_v3_long",
    "byteswarm_v4",
    "byteswarm_v5",
    "byteswarm_v6",
    "byteswarm_v7",
]
"""Baselines (metadata only, G-Rank as in the paper), the presets a node may ship, v2 as
session 7 shipped it (on ours, session 7's v2 is ``grank_v3.json``'s), and v3 with a 7,400-row
half-life (``byteswarm_v3_long``: session 12's lead for the second world's uniform
scenarios, not a preset), on both worlds."""


def paper_reproduction(n_nodes: int = 100, n_queries: int = 10_000) -> Scenario:
    """The paper's setup point by point (docs/architecture.md §5): pull from a random *known*
    peer (peers are learned through gossip), exploration swaps two results on the page, and the
    distance averaged over every honest node (the paper reads "0 for all nodes")."""
    return Scenario(
        "paper_repro",
        n_nodes=n_nodes,
        n_queries=n_queries,
        n_eval_nodes=10,
        n_distance_nodes=n_nodes,
        peer_choice="learned",
        explore_scope="shown",
    )


def position_scenario() -> Scenario:
    """Our world's headline: position-based clicks on the realistic world, 100 peers, 10k
    queries (the attacks on it start at 1,500)."""
    return Scenario(
        "position", world="realistic", clicks="position", n_eval_nodes=10, attack_at=1_500
    )


def second_world_grid(n_nodes: int = 100, n_queries: int = 10_000) -> list[Scenario]:
    """The second world with both of its users and both query mixes."""
    base = Scenario(
        "second_pbm1_uniform",
        world="second_uniform",
        clicks="pbm1",
        n_nodes=n_nodes,
        n_queries=n_queries,
        n_eval_nodes=10,
    )
    return [
        base,
        replace(base, name="second_pbm1_zipf", world="second_zipf"),
        replace(base, name="second_dbn1_uniform", clicks="dbn1"),
        replace(base, name="second_dbn1_zipf", world="second_zipf", clicks="dbn1"),
    ]


def worlds_grid() -> list[tuple[Scenario, list[str]]]:
    """Served nDCG on both worlds, the same rankers: our position scenario and the second
    world's four."""
    ours = [m for m in WORLDS_METHODS if m != "byteswarm_v2_session7"]
    return [(position_scenario(), ours), *[(s, WORLDS_METHODS) for s in second_world_grid()]]


def main_grid() -> list[tuple[Scenario, list[str]]]:
    """The headline comparisons at full scale (100 peers; 10k queries, 4k for the attacks)."""
    attack = Scenario("attack", n_queries=4_000, attack_at=1_500, n_eval_nodes=10)
    small = Scenario("small_mimicry", n_nodes=30, n_queries=1_200, n_eval_nodes=5, attack_at=400)
    position = position_scenario()
    return [
        (paper_reproduction(), ["grank_paper_f0", "byteswarm"]),
        (
            Scenario("paper", n_eval_nodes=10, n_distance_nodes=100),
            ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_ips", "byteswarm_v2"],
        ),
        (
            position,
            [
                "bm25",
                "global_counts",
                "grank_paper_f0",
                "byteswarm",
                "byteswarm_ips",
                "byteswarm_v2",
            ],
        ),
        (replace(position, name="position_backdated", attack="backdated"), HALF_LIFE_KINDS),
        (replace(position, name="position_inflation", attack="inflation"), HALF_LIFE_KINDS),
        (replace(attack, name="targeted_sybil", attack="targeted"), ATTACKED),
        (replace(attack, name="mimicry", attack="mimicry"), ATTACKED),
        (replace(attack, name="sybil75", attack="sybil75"), ATTACKED),
        (replace(attack, name="inflation", attack="inflation"), ATTACKED),
        (replace(attack, name="push_targeted", attack="targeted", gossip="push"), ATTACKED),
        (replace(small, attack="mimicry"), ATTACKED),
        *[(s, WORLDS_METHODS) for s in second_world_grid()],
    ]


def full_grid() -> list[tuple[Scenario, list[str]]]:
    """``main_grid`` plus the cascade click models and the 5,000-item scale test."""
    return [
        *main_grid(),
        (
            Scenario(
                "navigational",
                world="realistic",
                clicks="navigational",
                n_queries=6_000,
                n_eval_nodes=10,
            ),
            ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2"],
        ),
        (
            Scenario(
                "informational",
                world="realistic",
                clicks="informational",
                n_queries=6_000,
                n_eval_nodes=10,
            ),
            ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2"],
        ),
        (
            Scenario(
                "scale_5000", world="scale", clicks="position", n_queries=5_000, n_eval_nodes=5
            ),
            ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2"],
        ),
    ]


def quick_grid() -> list[tuple[Scenario, list[str]]]:
    small = Scenario("paper", n_nodes=30, n_queries=1_200, n_eval_nodes=5, attack_at=400)
    ours = ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2", "byteswarm_v3"]
    return [
        (paper_reproduction(n_nodes=30, n_queries=1_200), ["grank_paper_f0"]),
        (small, ours),
        (replace(small, name="position", world="realistic", clicks="position"), ours),
        (
            replace(small, name="second_pbm1_uniform", world="second_uniform", clicks="pbm1"),
            ours,
        ),
        (replace(small, name="targeted_sybil", attack="targeted"), ["grank_paper_f1", "byteswarm"]),
        (
            replace(small, name="mimicry", attack="mimicry"),
            ["grank_paper_f1", "byteswarm", "byteswarm_v2"],
        ),
    ]


def medium_grid() -> list[tuple[Scenario, list[str]]]:
    """Every headline comparison at half the peers and 4,000 queries (session 1's grid)."""
    base = Scenario("paper", n_nodes=50, n_queries=4_000, n_eval_nodes=10, attack_at=1_500)
    return [
        (base, PAPERS_AND_OURS),
        (
            replace(base, name="position", world="realistic", clicks="position"),
            ["bm25", "global_counts", "grank_paper_f0", "byteswarm", "byteswarm_ips"],
        ),
        (replace(base, name="targeted_sybil", attack="targeted"), PAPERS_AND_OURS),
        (replace(base, name="mimicry", attack="mimicry"), PAPERS_AND_OURS),
        (replace(base, name="sybil75", attack="sybil75"), PAPERS_AND_OURS),
        (replace(base, name="push_targeted", attack="targeted", gossip="push"), PAPERS_AND_OURS),
        (replace(base, name="inflation", attack="inflation"), PAPERS_AND_OURS),
        (
            replace(base, name="navigational", world="realistic", clicks="navigational"),
            ["bm25", "grank_paper_f0", "byteswarm"],
        ),
    ]
