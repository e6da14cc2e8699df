"""Sweep one knob of the default rank preset on tuning seeds (never the reported seeds 0-4).

    python -m bench.rank.tune --half-life-rows 460 650 925 1300 1850 \
        --seeds 100 101 102 103 104 --json bench/results/grank_tune_half_life.json

Each value runs ``byteswarm_v2`` with that ``half_life_rows`` (crossed with any
``--vote-budget`` values) on the headline position scenario (100 peers, 10k queries) and on
the 30-peer mimicry check, so a value that buys nDCG by opening the mimicry hole shows up in
the same table; ``--scenarios`` picks other ``bench.rank.grank`` scenarios:

    python -m bench.rank.tune --half-life-rows 460 --vote-budget none 10 20 \
        --scenarios position position_inflation --seeds 100 101 102 \
        --json bench/results/grank_tune_vote_budget.json

``--explore-swaps`` crosses the exploration swaps a shown page gets (``explore_swaps``) the
same way. Everything else is ``bench.rank.grank``'s: the same worlds, query streams and
click draws for every value; its scenarios include the second world's
(``second_pbm1_uniform`` ...), so a setting tuned on one world can be checked on the other.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from bench.rank.grids import main_grid
from bench.rank.scenario import Scenario
from bench.rank.sim import Simulation
from models.rank.config import BYTESWARM_V2

SCENARIOS = ("position", "small_mimicry")
"""The default pair: served nDCG at full scale, and the attack a setting could open."""
TOP1_SCENARIOS = ("small_mimicry",)
"""Scenarios scored by the attacker item's honest top-1 share; the rest by served nDCG."""


def scenarios() -> dict[str, Scenario]:
    return {s.name: s for s, _ in main_grid()}


def run_value(
    half_life_rows: float,
    vote_budget: float | None,
    scenario_name: str,
    seed: int,
    explore_swaps: int = BYTESWARM_V2.explore_swaps,
) -> dict[str, Any]:
    started = time.process_time()
    config = dataclasses.replace(
        BYTESWARM_V2,
        half_life_rows=half_life_rows,
        vote_budget=vote_budget,
        explore_swaps=explore_swaps,
    )
    scenario = scenarios()[scenario_name]
    result = Simulation(scenario, config, seed).run()
    curves = result["curves"]
    row: dict[str, Any] = {
        "half_life_rows": half_life_rows,
        "vote_budget": vote_budget,
        "explore_swaps": explore_swaps,
        "scenario": scenario_name,
        "seed": seed,
        "cpu_s": time.process_time() - started,
    }
    if scenario_name in TOP1_SCENARIOS:
        after = [i for i, x in enumerate(result["x"]) if x > scenario.attack_at]
        row["attack_top1"] = float(np.mean([curves["attack_top1"][i] for i in after]))
    else:
        row["ndcg_final"] = curves["ndcg"][-1]
        row["ndcg_shown_final"] = curves["ndcg_shown"][-1]
        row["queries_to_0.85"] = next(
            (x for x, v in zip(result["x"], curves["ndcg"], strict=True) if v >= 0.85), None
        )
    return row


def _stat(values: list[float]) -> dict[str, Any]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "per_seed": values}


def _setting(row: dict[str, Any]) -> tuple[float, float | None, int]:
    return (
        row["half_life_rows"],
        row.get("vote_budget"),
        row.get("explore_swaps", BYTESWARM_V2.explore_swaps),
    )


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per setting (half_life_rows, vote_budget, explore_swaps), one block per
    scenario in it."""
    table = []
    settings = sorted(
        {_setting(r) for r in rows},
        key=lambda s: (s[0], -1.0 if s[1] is None else s[1], s[2]),
    )
    for setting in settings:
        half_life_rows, vote_budget, explore_swaps = setting
        mine = [r for r in rows if _setting(r) == setting]
        entry: dict[str, Any] = {
            "half_life_rows": half_life_rows,
            "vote_budget": vote_budget,
            "explore_swaps": explore_swaps,
        }
        for name in sorted({r["scenario"] for r in mine}):
            runs = [r for r in mine if r["scenario"] == name]
            if name in TOP1_SCENARIOS:
                entry[name] = {"attack_top1": _stat([r["attack_top1"] for r in runs])}
            else:
                entry[name] = {
                    "ndcg": _stat([r["ndcg_final"] for r in runs]),
                    "seeds_reaching_0.85": sum(r["queries_to_0.85"] is not None for r in runs),
                }
        table.append(entry)
    return table


def _budget(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def _describe(entry: dict[str, Any], n_seeds: int) -> str:
    cells = [
        f"half_life_rows {entry['half_life_rows']:>6.0f}, vote_budget {entry['vote_budget']}, "
        f"explore_swaps {entry['explore_swaps']}"
    ]
    for name, block in entry.items():
        if name in TOP1_SCENARIOS:
            cells.append(f"{name} top-1 {block['attack_top1']['mean']:.1%}")
        elif isinstance(block, dict):
            cells.append(
                f"{name} nDCG {block['ndcg']['mean']:.3f} ± {block['ndcg']['std']:.3f} "
                f"({block['seeds_reaching_0.85']}/{n_seeds} reach 0.85)"
            )
    return "; ".join(cells)


def check_tuning(
    parser: argparse.ArgumentParser, seeds: list[int], names: list[str], known: dict[str, Any]
) -> None:
    """Tuning runs on seeds >= 100 only (0-4 are reported) and on scenarios that exist."""
    if min(seeds) < 100:
        parser.error("tune on seeds >= 100; seeds 0-4 are the reported ones")
    unknown = set(names) - set(known)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")


def run_grid(
    name: str,
    run: Callable[..., dict[str, Any]],
    tasks: list[tuple[Any, ...]],
    workers: int,
    path: str,
    summarise: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    argv: list[str] | None,
) -> list[dict[str, Any]]:
    """``run`` on every task in ``workers`` processes; rows, their summary, the command and
    the wall time written to ``path`` (JSON). Returns the summary."""
    started = time.time()
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(run, *zip(*tasks, strict=True)))
    table = summarise(rows)
    out = {
        "command": f"python -m bench.rank.{name} "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "wall_s": time.time() - started,
        "rows": rows,
        "summary": table,
    }
    with open(path, "w") as handle:
        json.dump(out, handle, indent=1)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--half-life-rows", type=float, nargs="+", required=True)
    parser.add_argument(
        "--vote-budget",
        type=_budget,
        nargs="+",
        default=[None],
        help="RankConfig.vote_budget values to cross with --half-life-rows ('none': off)",
    )
    parser.add_argument(
        "--explore-swaps",
        type=int,
        nargs="+",
        default=[BYTESWARM_V2.explore_swaps],
        help="RankConfig.explore_swaps values to cross with the others",
    )
    parser.add_argument(
        "--scenarios", nargs="+", default=list(SCENARIOS), help="bench.rank.grank scenario names"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    check_tuning(parser, args.seeds, args.scenarios, scenarios())
    tasks = [
        (value, budget, name, seed, swaps)
        for seed in args.seeds
        for value in args.half_life_rows
        for budget in args.vote_budget
        for swaps in args.explore_swaps
        for name in args.scenarios
    ]
    table = run_grid("tune", run_value, tasks, args.workers, args.json, summarise, argv)
    for entry in table:
        print(_describe(entry, len(args.seeds)))


if __name__ == "__main__":
    main()
