"""How much of the attacker's item's exposure is the attack: the same runs without it.

    python -m bench.rank.exposure --attacked bench/results/grank_v3_attacks_seeds0-4.json \
        --json bench/results/grank_exposure.json

For every (attack scenario, method, seed) in ``--attacked`` (a ``bench.rank.grank`` result
with ``attack_top1``/``attack_top3`` curves) this runs the same scenario, method and seed
with the attack moved past the last query: the same world, target, peers and query
schedule, and attackers that never join (mimics stay honest). The target's share of
evaluated nodes with it at rank 1 / in the top 3, averaged over the evaluations after the
original attack time, is reported for both, with the paired difference (attacked minus
not attacked, by seed). A ranker that puts an unclicked metadata match high shows exposure
without any attack; only the difference is the attack's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from bench.rank.grids import METHODS, main_grid
from bench.rank.sim import Simulation

SHARES = ("attack_top1", "attack_top3")


def after_attack(run: dict[str, Any], attack_at: int) -> dict[str, float]:
    """Mean of each share over the evaluations after ``attack_at``."""
    later = [i for i, x in enumerate(run["x"]) if x > attack_at]
    return {key: float(np.mean([run["curves"][key][i] for i in later])) for key in SHARES}


def without_attack(task: tuple[str, str, int]) -> dict[str, Any]:
    name, method, seed = task
    scenario = {s.name: s for s, _ in main_grid()}[name]
    never = dataclasses.replace(scenario, attack_at=scenario.n_queries + 1)
    run = Simulation(never, METHODS[method], seed).run()
    return {
        "scenario": name,
        "method": method,
        "seed": seed,
        "target": run["target"],
        **after_attack(run, scenario.attack_at),
    }


def summarise(attacked: list[dict[str, Any]], clean: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    by_key = {(r["scenario"], r["method"], r["seed"]): r for r in clean}
    for run in attacked:
        key = (run["scenario"], run["method"], run["seed"])
        if key not in by_key:
            continue
        shares = after_attack(run, run["attack_at"])
        cell = table.setdefault(run["scenario"], {}).setdefault(run["method"], [])
        cell.append({"seed": run["seed"], "attacked": shares, "without": by_key[key]})
    summary: dict[str, Any] = {}
    for name, methods in table.items():
        for method, cells in methods.items():
            entry: dict[str, Any] = {"seeds": [c["seed"] for c in cells]}
            for share in SHARES:
                hit = np.array([c["attacked"][share] for c in cells])
                base = np.array([c["without"][share] for c in cells])
                entry[share] = {
                    "attacked": [float(hit.mean()), float(hit.std())],
                    "without": [float(base.mean()), float(base.std())],
                    "paired": [float((hit - base).mean()), float((hit - base).std())],
                }
            summary.setdefault(name, {})[method] = entry
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attacked", required=True, help="a bench.rank.grank result file")
    parser.add_argument("--json", required=True, help="where to write results")
    parser.add_argument("--methods", nargs="*", help="only these methods (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    with open(args.attacked) as handle:
        attacked = [r for r in json.load(handle)["runs"] if r.get("attack_at") is not None]
    if args.methods:
        unknown = sorted(set(args.methods) - set(METHODS))
        if unknown:
            parser.error(f"unknown methods: {', '.join(unknown)}")
        attacked = [r for r in attacked if r["method"] in args.methods]
    if not attacked:
        parser.error(f"no attacked runs to compare in {args.attacked}")
    tasks = [(r["scenario"], r["method"], r["seed"]) for r in attacked]
    started = time.time()
    with ProcessPoolExecutor(args.workers) as pool:
        clean = list(pool.map(without_attack, tasks))
    summary = summarise(attacked, clean)
    result = {
        "command": "python -m bench.rank.exposure " + " ".join(argv),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "wall_s": time.time() - started,
        "summary": summary,
        "without": clean,
    }
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=1)
    for name, methods in summary.items():
        for method, entry in methods.items():
            cells = []
            for share in SHARES:
                block = entry[share]
                cells.append(
                    f"{share[7:]} attacked {block['attacked'][0]:.1%} without "
                    f"{block['without'][0]:.1%} paired {block['paired'][0]:+.1%}"
                    f" ± {block['paired'][1]:.1%}"
                )
            print(f"{name:16s} {method:14s} " + "  ".join(cells))
    print(f"wall {result['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
