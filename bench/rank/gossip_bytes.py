"""G-Rank gossip bytes in the daemon's own encoding, at full scale, and nothing else.

    python -m bench.rank.gossip_bytes --json bench/results/grank_bytes.json \
        --plot bench/results/grank_bytes.png
    python -m bench.rank.gossip_bytes --methods byteswarm_v3 byteswarm_v2 \
        --json bench/results/grank_bytes_v3.json --plot bench/results/grank_bytes_v3.png

Runs the ``position`` scenario of ``bench.rank.grank --main`` (100 peers, 10k queries, position
clicks on the realistic world) for ``byteswarm`` and ``grank_paper_f0``, seeds 0-4, one
process: the same simulation as the headline grid (``bench.rank.grank.run_one``), so its nDCG
curves match that grid's too. Per pull, ``bench.rank.wire`` encodes with ``node.wire`` the
SyncRequests and responses of the daemon's paged sync, in the daemon's old format
(``v1_full``), today's (``packed_compact``: the Click carries the ids above the click, which
``byteswarm_v3`` reads as skips) and the steps between (``packed_position``: the body without
those ids). The file is rewritten after every run (``complete`` says whether all ran).
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
from typing import Any

import numpy as np

from bench.rank.grank import run_one
from bench.rank.grids import main_grid
from bench.rank.report import summarise
from bench.rank.wire import DAEMON_PAGE_ROWS, ENCODINGS
from node.runtime.catchup_server import SYNC_SCAN_ROWS

METHODS = ["byteswarm", "grank_paper_f0"]
KEYS = [
    *(f"wire_{name}_bytes" for name in ENCODINGS),
    "wire_request_bytes",
    "daemon_pages",
    "vector_bytes",
    "response_bytes",
    "response_rows",
    "ndcg",
]
LABELS = {
    "wire_v1_full_bytes": "sync 1.0.0 + Click with page (before)",
    "wire_v1_compact_bytes": "sync 1.0.0 + Click with position and ids above",
    "wire_packed_full_bytes": "packed sync 2.0.0 + Click with page",
    "wire_packed_position_bytes": "packed sync 2.0.0 + Click with position only (sessions 3-10)",
    "wire_packed_compact_bytes": "packed sync 2.0.0 + Click with position and ids above (now)",
    "vector_bytes": "old estimate (wire_size, request included)",
}


def final_table(summary: dict[str, Any]) -> dict[str, Any]:
    """At the last evaluation (10k queries): mean ± std over seeds of every byte metric."""
    table: dict[str, Any] = {}
    for method, last in summary["final"]["position"].items():
        table[method] = {key: last[key] for key in KEYS if key in last}
    return table


def window_table(runs: list[dict[str, Any]], points: int = 10) -> dict[str, Any]:
    """Mean ± std over seeds of each seed's mean over its last ``points`` evaluations (the
    last 1,000 queries: 40 measured pulls a seed instead of the final point's 4)."""
    table: dict[str, Any] = {}
    for method in sorted({run["method"] for run in runs}):
        group = [run for run in runs if run["method"] == method]
        table[method] = {}
        for key in KEYS:
            per_seed = [float(np.mean(run["curves"][key][-points:])) for run in group]
            table[method][key] = {
                "mean": float(np.mean(per_seed)),
                "std": float(np.std(per_seed)),
                "per_seed": per_seed,
            }
    return table


def write_bytes_plot(summary: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = summary["curves"]["position"]
    fig, axes = plt.subplots(1, len(curves), figsize=(7 * len(curves), 5), squeeze=False)
    for ax, (method, entry) in zip(axes.flat, sorted(curves.items()), strict=True):
        for key, label in LABELS.items():
            mean = [v / 1000 for v in entry[key]["mean"]]
            std = [v / 1000 for v in entry[key]["std"]]
            ax.plot(entry["x"], mean, label=label)
            low = [m - s for m, s in zip(mean, std, strict=True)]
            high = [m + s for m, s in zip(mean, std, strict=True)]
            ax.fill_between(entry["x"], low, high, alpha=0.15)
        ax.axhline(50, color="grey", linestyle="--", linewidth=0.8, label="target 50 kB")
        ax.set_title(f"sync response per pull, {method} (mean ± std, seeds)", fontsize=10)
        ax.set_xlabel("queries")
        ax.set_ylabel("kB")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def write_output(
    path: str,
    argv: list[str] | None,
    started: float,
    seeds: list[int],
    scenario: Any,
    runs: list[dict[str, Any]],
    total: int,
) -> None:
    """Write what ran so far (seed-major, so a run cut short holds whole seeds)."""
    summary = summarise(runs)
    output = {
        "command": "python -m bench.rank.gossip_bytes "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, py {platform.python_version()}",
        "wall_s": time.time() - started,
        "complete": len(runs) == total,
        "seeds": seeds,
        "scenario": dataclasses.asdict(scenario),
        "note": (
            "Bytes per pull at the last evaluation (10k queries): mean over the pulls measured "
            "in the last 100 queries (every 25th query), then mean ± std over seeds. wire_* = "
            "sum of len(node.wire.encode(...)) over the pull's pages as the daemon pages it "
            f"(at most {DAEMON_PAGE_ROWS} rows the asker lacks per page, read from at most "
            f"{SYNC_SCAN_ROWS} rows of the responder's log; bench/rank/wire.py); "
            "wire_request_bytes = daemon_pages x "
            "the encoded SyncRequest (held ranges of every author). vector_bytes and "
            "response_bytes are the older models.rank.wire_size estimates of one response "
            "(vector_bytes includes its request estimate)."
        ),
        "final": final_table(summary),
        "last_1000_queries": window_table(runs),
        "summary": summary,
        "runs": runs,
    }
    with open(path, "w") as handle:
        json.dump(output, handle, indent=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", required=True)
    parser.add_argument("--plot")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--methods", nargs="*", default=METHODS)
    args = parser.parse_args(argv)
    scenario = next(s for s, _ in main_grid() if s.name == "position")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    started = time.time()
    runs: list[dict[str, Any]] = []
    total = len(seeds) * len(args.methods)
    for seed in seeds:
        for method in args.methods:
            runs.append(run_one(scenario, method, seed))
            print(f"seed {seed} {method}: {runs[-1]['cpu_s']:.0f} s CPU", flush=True)
            write_output(args.json, argv, started, seeds, scenario, runs, total)
    last_1000 = window_table(runs)
    if args.plot:
        write_bytes_plot(summarise(runs), args.plot)
    for method, table in last_1000.items():
        for key, stat in table.items():
            print(f"{method} {key}: {stat['mean']:.1f} ± {stat['std']:.1f} (queries 9,001-10,000)")


if __name__ == "__main__":
    main()
