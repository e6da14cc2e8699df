"""The network layer from 10 to 1,000 peers in simulated time (``sim.py``): messages and
bytes each node sends per second (discovery, liveness, catch-up heads, gossip) against N,
the node degrees, the bootstrap's load and the gossip mesh's hops. Goal (issue 21 item 7):
cost per node flat or logarithmic in N.

Two variants: ``no connection manager`` (every joiner keeps its link to the one
bootstrap: how the node was before issue 21's connection manager) and ``connection
manager`` (as built: node/runtime/conn_manager.py, the node's own decision code).
Writes ``results/network_scale.json`` and ``.png`` (``network_scale_quick.*`` with
``--quick``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.network.book import BOOK
from bench.network.sim import Params, simulate

RESULTS = Path(__file__).resolve().parents[1] / "results"
VARIANTS = {"no connection manager": False, "connection manager": True}


def sweep(peers: list[int], seeds: list[int], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant, manager in VARIANTS.items():
        rows = []
        for n in peers:
            runs = [
                simulate(Params(peers=n, seconds=seconds, manager=manager, seed=s)) for s in seeds
            ]
            rows.append({"peers": n, "runs": runs, **summary(runs)})
            print(variant, n, {k: v for k, v in rows[-1].items() if k != "runs"}, flush=True)
        out[variant] = rows
    return out


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def stat(get: Any) -> dict[str, float]:
        values = [float(get(r)) for r in runs]
        return {"mean": float(np.mean(values)), "std": float(np.std(values))}

    return {
        "bytes_per_node_s_median": stat(lambda r: r["bytes_per_node_s"]["median"]),
        "bytes_per_node_s_max": stat(lambda r: r["bytes_per_node_s"]["max"]),
        "msgs_per_node_s_median": stat(lambda r: r["msgs_per_node_s"]["median"]),
        "degree_max": stat(lambda r: r["degree"]["max"]),
        "join_failures": stat(lambda r: r["join_failures"]),
        "trimmed": stat(lambda r: r["trimmed"]),
        "bootstrap_degree": stat(lambda r: r["bootstrap_degree"]),
        "discovery_bytes_per_node_s": stat(lambda r: r["bytes_by_kind_per_node_s"]["discovery"]),
        "reached_target_fraction": stat(lambda r: r["reached_target_fraction"]),
        "mesh_hops_max": stat(lambda r: r["mesh_hops_max"]),
    }


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    panels = [
        ("bytes_per_node_s_median", "bytes sent per node per s (median node)"),
        ("bytes_per_node_s_max", "bytes sent per node per s (busiest node)"),
        ("reached_target_fraction", "nodes at target degree"),
        ("mesh_hops_max", "gossip mesh hops to the farthest node"),
    ]
    for ax, (key, title) in zip(axes, panels, strict=True):
        for variant, rows in result["variants"].items():
            xs = [r["peers"] for r in rows]
            ys = [r[key]["mean"] for r in rows]
            err = [r[key]["std"] for r in rows]
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=variant)
        ax.set_xscale("log")
        ax.set_xlabel("peers N")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8)
    rate = result["settings"]["records_per_second"]
    title = f"simulated network layer ({rate} records/s in all; book: {result['book']})"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, nargs="+", default=[10, 30, 100, 300, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--seconds", type=float, default=180.0, help="simulated seconds")
    parser.add_argument("--quick", action="store_true", help="10, 30, 100 peers; one seed")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.peers, args.seeds, args.seconds = [10, 30, 100], [0], 60.0
    if not all(2 <= n <= 5000 for n in args.peers):
        parser.error("--peers: each between 2 and 5000")
    started = time.monotonic()
    name = "network_scale_quick" if args.quick else "network_scale"
    path = args.json or RESULTS / f"{name}.json"
    result = {
        "bench": "network_scale",
        "command": f"python -m bench.network.scale {' '.join(argv or sys.argv[1:])}".strip(),
        "date": datetime.date.today().isoformat(),
        "book": BOOK,
        "settings": dataclasses.asdict(Params(seconds=args.seconds))
        | {"peers": args.peers, "seeds": args.seeds},
        "variants": sweep(args.peers, args.seeds, args.seconds),
    }
    result["wall_s"] = time.monotonic() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    plot(result, path.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
