"""G-Rank bench: paper reproduction, served-ranking quality, attacks, bytes and latency.

    python -m bench.rank.grank --quick --json out.json
    python -m bench.rank.grank --main --workers 2 --json bench/results/grank.json \
        --plot bench/results/grank.png          # headline grid, 5 seeds, ~15 CPU-minutes
    python -m bench.rank.grank --main --only position --seeds 1 --first-seed 3 --json part.json
    python -m bench.rank.grank --merge part*.json --json all.json --plot all.png --note "..."
    python -m bench.rank.grank --worlds --workers 2 --json bench/results/grank_worlds.json \
        --plot bench/results/grank_worlds.png   # both worlds, the same rankers, 5 seeds

Two worlds: ours (``world.py``: the paper's and the realistic one) and the second world
(``second_world.py`` with the one-click users of ``one_click.py``), built apart from ours to
check that what was tuned on one holds on the other. ``--main`` and the default grid run
both; ``--worlds`` runs only the comparison (served nDCG@10, paired differences against
G-Rank as in the paper, ``summary.paired``).

Every method runs on the same seeded worlds, query streams and click draws (common random
numbers); the simulated nodes run ``models.rank.RankIndex``, the code the daemon serves.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from typing import Any

from bench.rank.latency import measure_latency
from bench.rank.report import format_paired_markdown, format_table, summarise, write_plot
from bench.rank.sim import Scenario, Simulation
from models.rank.config import (
    BM25_ONLY,
    BYTESWARM,
    BYTESWARM_IPS,
    BYTESWARM_V2,
    BYTESWARM_V3,
    GLOBAL_COUNTS,
    PAPER_F0,
    PAPER_F1,
    RankConfig,
)

BYTESWARM_V2_SESSION7 = replace(BYTESWARM_V2, explore_swaps=1)
"""``byteswarm_v2`` as session 7 shipped it (one exploration swap a shown page), for the record."""
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
}
ALL = list(METHODS)
PAPERS_AND_OURS = ["grank_paper_f0", "grank_paper_f1", "byteswarm"]
HALF_LIFE_KINDS = ["byteswarm", "byteswarm_v2"]
"""A half-life fixed in seconds and one counted in rows: the attacks on the click rate."""
ATTACKED = ["grank_paper_f1", "byteswarm", "byteswarm_ips", "byteswarm_v2", "byteswarm_v3"]
WORLDS_METHODS = [
    "bm25",
    "grank_paper_f0",
    "byteswarm",
    "byteswarm_v2",
    "byteswarm_v2_session7",
    "byteswarm_v3",
    "byteswarm_v3_absolute",
]
"""Baselines (metadata only, G-Rank as in the paper), the presets a node may ship, and v2 as
session 7 shipped it, on both worlds (on ours, session 7's v2 is ``grank_v3.json``'s)."""


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
    ours = ["bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2"]
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


def run_one(scenario: Scenario, method: str, seed: int) -> dict[str, Any]:
    started = time.process_time()
    config = METHODS[method]
    if not config.use_clicks:
        # clicks never change a metadata-only ranking: one evaluation stands for every point
        sim = Simulation(dataclasses.replace(scenario, n_queries=0), config, seed)
        point = sim.evaluator.evaluate(sim.eval_nodes)
        xs = list(range(scenario.eval_every, scenario.n_queries + 1, scenario.eval_every))
        result: dict[str, Any] = {"x": xs, "curves": {k: [v] * len(xs) for k, v in point.items()}}
    else:
        result = Simulation(scenario, config, seed).run()
    result.update(
        scenario=scenario.name, method=method, seed=seed, cpu_s=time.process_time() - started
    )
    return result


def merge(paths: list[str], output: str, plot: str | None, notes: list[str] | None = None) -> None:
    """One result file from several partial ones (later files win on the same run)."""
    runs: dict[tuple[str, str, int], dict[str, Any]] = {}
    merged: dict[str, Any] = {"notes": notes or [], "merged_from": []}
    for path in paths:
        with open(path) as handle:
            data = json.load(handle)
        merged["merged_from"].append(
            {k: v for k, v in data.items() if k not in ("runs", "summary")}
        )
        for run in data["runs"]:
            runs[(run["scenario"], run["method"], run["seed"])] = run
    merged["runs"] = list(runs.values())
    merged["summary"] = summarise(merged["runs"])
    with open(output, "w") as handle:
        json.dump(merged, handle, indent=1)
    if plot:
        write_plot(merged["summary"], plot)
    print(format_table(merged["summary"]))
    print(format_paired_markdown(merged["summary"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small CI smoke grid (2 seeds)")
    parser.add_argument("--medium", action="store_true", help="50 peers, 4,000 queries, 5 seeds")
    parser.add_argument(
        "--main",
        action="store_true",
        help="the headline scenarios at full scale, both worlds (no multi-click cascades)",
    )
    parser.add_argument(
        "--worlds",
        action="store_true",
        help="only served nDCG on both worlds: our position scenario and the second world's four",
    )
    parser.add_argument("--json", required=True, help="where to write results")
    parser.add_argument("--plot", help="PNG of the curves")
    parser.add_argument("--seeds", type=int, help="number of seeds (default 5, quick 2)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="scenario names to run")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--methods", nargs="*", help="method names to run (default: per scenario)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument(
        "--merge", nargs="*", help="combine the runs of these result files into --json, no runs"
    )
    parser.add_argument("--note", action="append", help="with --merge: a note kept in the JSON")
    args = parser.parse_args(argv)
    if args.merge:
        merge(args.merge, args.json, args.plot, args.note)
        return
    grid = (
        quick_grid()
        if args.quick
        else medium_grid()
        if args.medium
        else main_grid()
        if args.main
        else worlds_grid()
        if args.worlds
        else full_grid()
    )
    if args.only:
        grid = [(s, m) for s, m in grid if s.name in args.only]
    if args.methods:
        grid = [(s, [m for m in methods if m in args.methods]) for s, methods in grid]
    seeds = list(range(args.first_seed, args.first_seed + (args.seeds or (2 if args.quick else 5))))
    # seed-major, so a run cut short still holds whole seeds for every method
    tasks = [(s, m, seed) for seed in seeds for s, methods in grid for m in methods]
    started = time.time()
    header = {
        "command": "python -m bench.rank.grank "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, py {platform.python_version()}",
        "seeds": seeds,
        "scenarios": {s.name: dataclasses.asdict(s) for s, _ in grid},
        "methods": {name: dataclasses.asdict(METHODS[name]) for name in METHODS},
    }
    runs: list[dict[str, Any]] = []

    def write() -> None:
        output = {**header, "wall_s": time.time() - started, "complete": len(runs) == len(tasks)}
        output["summary"] = summarise(runs)
        output["runs"] = runs
        with open(args.json, "w") as handle:
            json.dump(output, handle, indent=1)

    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            futures = [pool.submit(run_one, *task) for task in tasks]
            for future in as_completed(futures):
                runs.append(future.result())
                write()
    else:
        for task in tasks:
            runs.append(run_one(*task))
            write()
    if not args.no_latency:
        latency_rows = 10_000 if args.quick else 100_000
        header["latency"] = {
            name: measure_latency(
                METHODS[name], seed=0, n_rows=latency_rows, n_queries=300 if args.quick else 2_000
            )
            for name in ("grank_paper_f0", "byteswarm")
        }
    write()
    if args.plot:
        write_plot(summarise(runs), args.plot)
    print(format_table(summarise(runs)))
    print(format_paired_markdown(summarise(runs)))
    print(json.dumps(header.get("latency", {}), indent=1))
    print(f"wall {time.time() - started:.1f} s; results in {args.json}")


if __name__ == "__main__":
    main()
