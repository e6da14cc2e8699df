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
from typing import Any

from bench.rank.grids import (
    METHODS,
    full_grid,
    main_grid,
    medium_grid,
    quick_grid,
    worlds_grid,
)
from bench.rank.latency import measure_latency
from bench.rank.report import format_paired_markdown, format_table, summarise, write_plot
from bench.rank.scenario import Scenario
from bench.rank.sim import Simulation


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
    parser.add_argument(
        "--methods",
        nargs="*",
        help="rankers to run on every chosen scenario (``grids.METHODS`` names; default: each "
        "scenario's own list)",
    )
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument(
        "--queries", type=int, help="queries a run, for every scenario (default: each one's)"
    )
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
        unknown = sorted(set(args.only) - {s.name for s, _ in grid})
        if unknown:
            parser.error(f"--only: no scenario {', '.join(unknown)} in this grid")
        grid = [(s, m) for s, m in grid if s.name in args.only]
    if args.methods:
        unknown = sorted(set(args.methods) - set(METHODS))
        if unknown:
            parser.error(f"--methods: unknown {', '.join(unknown)} (known: {', '.join(METHODS)})")
        grid = [(s, list(args.methods)) for s, _ in grid]
    if args.queries is not None:
        if args.queries < 100:
            parser.error("--queries must be at least 100 (one evaluation)")
        grid = [(dataclasses.replace(s, n_queries=args.queries), m) for s, m in grid]
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
