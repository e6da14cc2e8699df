"""Discovery and liveness on loopback (issue 21 items 1-2): ``python -m bench.runtime.discovery``.

``--nodes`` daemons, every one bootstrapped to node0 only. Per run: seconds from the last
node's start until every node holds at least ``gossip.degree_low`` peers (4), and until
every node holds ``min(discovery.target_degree, nodes - 1)``; then one node is SIGSTOPped
and we time until node0's status no longer lists it (goal ≤ 15 s); a note is published on
node0 while it is stopped, and after SIGCONT we time until the stopped node has stored it
(goal ≤ 5 s). Times are read from the 1 s status snapshots (they lag up to ~1 s).
Writes ``bench/results/discovery_loopback.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from node.cli.swarm import Swarm, note_count, run_cli

QUIET = "[adapt]\nenabled = false\n"
OUT = Path(__file__).parents[1] / "results" / "discovery_loopback.json"


def peers(swarm: Swarm, d: Path) -> set[str]:
    return set((swarm.status(d) or {}).get("connected_peers", []))


def one_run(nodes: int, degree_low: int = 4, target: int = 6) -> dict[str, float]:
    with Swarm(Path(tempfile.mkdtemp(prefix="bench-disc"))) as swarm:
        first = swarm.start(config=QUIET)
        boot = swarm.address(first)
        rest = [swarm.start(boot, config=QUIET) for _ in range(nodes - 1)]
        dirs = [first, *rest]
        ids = {d: swarm.wait_for(lambda d=d: swarm.status(d), 60, "start")["peer_id"] for d in dirs}
        start = time.monotonic()
        low = min(degree_low, nodes - 1)
        swarm.wait_for(lambda: all(len(peers(swarm, d)) >= low for d in dirs), 120, "degree_low")
        to_low = time.monotonic() - start
        full = min(target, nodes - 1)
        swarm.wait_for(lambda: all(len(peers(swarm, d)) >= full for d in dirs), 120, "target")
        to_target = time.monotonic() - start
        victim = rest[0]
        proc = swarm.procs[swarm.dirs.index(victim)]
        time.sleep(2)
        os.kill(proc.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        try:
            swarm.wait_for(lambda: ids[victim] not in peers(swarm, first), 60, "drop")
            dead = time.monotonic() - stopped
            run_cli("publish", "--data-dir", str(first), "while stopped")
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        resumed = time.monotonic()
        swarm.wait_for(lambda: note_count(swarm, victim) >= 1, 60, "record after resume")
        heal = time.monotonic() - resumed
    return {"degree_low_s": to_low, "target_s": to_target, "dead_s": dead, "heal_s": heal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.nodes) for _ in range(args.runs)]
    summary: dict[str, Any] = {"nodes": args.nodes, "runs": runs, "date": time.strftime("%F")}
    for key in runs[0]:
        values = [r[key] for r in runs]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        summary[key] = {
            "mean": round(statistics.mean(values), 2),
            "std": round(spread, 2),
            "max": round(max(values), 2),
        }
    summary["load_avg"] = os.getloadavg()
    OUT.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
