"""Real daemons on 5-10 hosts in network namespaces: time to a mesh from one bootstrap,
time to notice a dead peer, convergence after a partition heals; clean links and links
with delay and loss injected (``[link_faults]``). Goals (issue 21): mesh <= 30 s, dead peer
<= 15 s, convergence <= 5 s after the heal, no acknowledged record lost.

Needs root (network namespaces). ``python -m bench.network.mesh --quick`` is one short
run on 5 hosts; the default is 3 runs of each condition. Writes ``results/network.json``
and ``.png`` (``network_quick.*`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.network import report, scenarios
from bench.network.cluster import Cluster
from bench.network.netns import Fabric, unavailable_reason

RESULTS = Path(__file__).resolve().parents[1] / "results"
FAULTS = "* delay_ms=50 drop=0.05"
"""The faulty condition: every node's sends 50 ms late, 5 % of segments lost (RTO stalls)."""


def one_run(hosts: int, faults: str, args: argparse.Namespace) -> dict[str, Any]:
    config = f'[link_faults]\nrules = ["{faults}"]\nseed = {args.seed}\n' if faults else ""
    with (
        tempfile.TemporaryDirectory(prefix="bench-network-") as tmp,
        Fabric(hosts) as fabric,
        Cluster(fabric, Path(tmp), config) as c,
    ):
        run: dict[str, Any] = {}
        run.update(scenarios.mesh(c, args.degree_low, args.timeout))
        run.update(scenarios.convergence(c, args.notes, args.hold, args.timeout))
        run.update(scenarios.dead_peer(c, args.timeout))
        statuses = [c.status(i) or {} for i in range(hosts)]
        run["link_fault_stalls"] = sum(
            int(s.get("counters", {}).get("link_fault_stalls", 0)) for s in statuses
        )
        return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=5, help="namespaced hosts (5-10)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each condition")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per measure")
    parser.add_argument("--notes", type=int, default=5, help="notes per side of the partition")
    parser.add_argument(
        "--hold", type=float, default=25.0, help="seconds the partition lasts (links die)"
    )
    parser.add_argument("--degree-low", type=int, default=4, help="gossip.degree_low")
    parser.add_argument("--faults", default=FAULTS, help="the faulty condition's rule")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    parser.add_argument("--quick", action="store_true", help="1 run, 5 hosts, 30 s timeouts")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.hosts, args.timeout = 1, 5, 30.0
    if not 5 <= args.hosts <= 10 or args.runs < 1:
        parser.error("--hosts must be 5-10 and --runs at least 1")
    reason = unavailable_reason()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    name = "network_quick" if args.quick else "network"
    json_path = args.json or RESULTS / f"{name}.json"
    png_path = args.png or (json_path.with_suffix(".png") if args.json else RESULTS / f"{name}.png")
    conditions = {"clean": "", "delay 50 ms + 5 % loss": args.faults}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in conditions}
    started = time.monotonic()
    for r in range(args.runs):
        for condition, faults in conditions.items():
            run = one_run(args.hosts, faults, args)
            runs[condition].append(run)
            print(f"run {r} {condition}: {run}", flush=True)
    result = {
        "bench": "network",
        "command": f"python -m bench.network.mesh {' '.join(argv or sys.argv[1:])}".strip(),
        "date": datetime.date.today().isoformat(),
        "settings": {
            "hosts": args.hosts,
            "runs": args.runs,
            "timeout": args.timeout,
            "notes_per_side": args.notes,
            "partition_seconds": args.hold,
            "faults": args.faults,
            "seed": args.seed,
        },
        "wall_s": time.monotonic() - started,
        "summary": {k: report.summarize(v) for k, v in runs.items()},
        "runs": runs,
    }
    report.write(result, json_path, png_path)
    for condition, summary in result["summary"].items():
        print(condition, {k: v for k, v in summary.items()}, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
