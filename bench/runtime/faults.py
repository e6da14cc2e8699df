"""Attacks on a real local daemon: ``python -m bench.runtime.faults [--runs 3] [--out PATH]``.

For each case a fresh victim (a ``byteswarm run`` process from ``node/cli/swarm.py``) and one
honest daemon connected to it are started; the attackers run in this process (trio,
``bench/runtime/fault_attacks.py``). During a fixed window the bench measures on the victim
(``bench/runtime/fault_window.py``): whether it exited, its CPU and RSS, the latency of
operator publishes, the delivery of the honest node's notes, when its peer guard penalised
and banned the attackers, and what it stored of theirs.

Cases: baseline; junk frames on every protocol the victim accepts; a bad-libp2p-signature
pubsub flood; a correctly signed garbage-gossip flood; a valid-note flood from one identity
(the victim's notes quota set to 1,000 so the cap shows within the window); 20 slow
Sybils next to an honest late joiner (catch-up time of its 50 notes); 200 stalled streams;
100 identities connecting. Every case runs ``--runs`` times, interleaved (run 1 of every
case, then run 2, ...); ``bench/runtime/faults_report.py`` turns the runs into mean ± std, the
table and the PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio

from bench.runtime import fault_attacks as attacks
from bench.runtime.fault_attacks import NOTES, Case, LateJoiner
from bench.runtime.fault_window import PUBLISHES, measure
from bench.runtime.faults_report import plot, summarise, table
from node.cli.control import send_control
from node.cli.swarm import Swarm

CONFIG = "status_interval = 0.5"
QUOTA = 1000
"""``[store] notes_per_author`` of the valid-flood victim (default 10,000)."""
CASES = (
    "baseline",
    "junk_frames",
    "bad_signature_flood",
    "garbage_gossip_flood",
    "valid_note_flood",
    "slow_sybils_20",
    "stalled_streams_200",
    "identities_100",
)
LONGER = {"slow_sybils_20": 10.0}
"""Seconds added to a case's window (the Sybils connect first, then catch-up is timed)."""


def _late_joiner(swarm: Swarm) -> LateJoiner:
    """Start a node connected to nobody and publish its notes there (setup, untimed)."""
    late = swarm.start(config=CONFIG)
    addr = swarm.address(late)
    send_control(late, "publish", {"text": "late", "count": attacks.LATE_NOTES}, timeout=60)
    published = time.monotonic()
    db = sqlite3.connect(f"file:{late / 'node.db'}?mode=ro", uri=True, timeout=5)
    try:
        (author,) = db.execute("SELECT author FROM records WHERE source = 'local'").fetchone()
    finally:
        db.close()
    return LateJoiner(late, addr, addr.rsplit("/p2p/", 1)[1], bytes(author), published)


def run_case(name: str, seconds: float, root: Path) -> dict[str, Any]:
    case = Case()
    config = CONFIG
    if name == "valid_note_flood":
        config += f"\n[store]\nnotes_per_author = {QUOTA}"
    seconds += LONGER.get(name, 0.0)
    with Swarm(root, sync_interval=1.0) as swarm:
        victim = swarm.start(config=config)
        addr = swarm.address(victim)
        honest = swarm.start(addr, config=CONFIG)
        swarm.wait_for(
            lambda: (swarm.status(victim) or {}).get("topics", {}).get(NOTES, 0) >= 1,
            60,
            "the victim's gossip mesh with the honest node",
        )
        late = _late_joiner(swarm) if name == "slow_sybils_20" else None
        time.sleep(1.0)
        makers: dict[str, Callable[[], Awaitable[None]] | None] = {
            "baseline": None,
            "junk_frames": lambda: attacks.junk(addr, case),
            "bad_signature_flood": lambda: attacks.bad_signature(addr, case),
            "garbage_gossip_flood": lambda: attacks.garbage_gossip(addr, case, root),
            "valid_note_flood": lambda: attacks.valid_notes(addr, case, root),
            "slow_sybils_20": lambda: attacks.slow_sybils(addr, case, victim, late),  # type: ignore[arg-type]
            "stalled_streams_200": lambda: attacks.stalled(addr, case),
            "identities_100": lambda: attacks.identities(addr, case),
        }

        async def main() -> dict[str, Any]:
            return await measure(swarm, victim, honest, seconds, makers[name], case)

        result = trio.run(main)
        if case.accepted is not None:
            result["accepted_protocols"] = case.accepted
        if name == "valid_note_flood":
            result["quota"] = QUOTA
        if result["crashed"]:
            result["log_tail"] = (victim / "daemon.log").read_text(errors="replace")[-2000:]
    return {"case": name, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s windows instead of 15 s")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--runs", type=int, default=3, help="runs of every case (interleaved)")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    out = args.out or Path(f"bench/results/faults{'_quick' if args.quick else ''}.json")
    root = Path(tempfile.mkdtemp(prefix="bsw-faults-"))
    results = []
    for run in range(args.runs):
        for name in args.cases:
            print(f"run {run}: {name}: {seconds:g} s window", file=sys.stderr)
            result = {"run": run, **run_case(name, seconds, root / f"{name}-{run}")}
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    summary = summarise(results)
    report = {
        "bench": "faults",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "command": " ".join(["python -m bench.runtime.faults", *sys.argv[1:]]),
        "window_s": seconds,
        "runs": args.runs,
        "publishes_per_window": PUBLISHES,
        "seeds": (
            "runs are numbered 0..runs-1 ('run' in each result); attacker keys are random"
            " (os.urandom); junk payload seeds 0..n by round"
        ),
        "notes": (
            "one victim + one honest daemon per case and run, fresh data dirs; CPU is the"
            " victim's user+sys time over the window (and over its second half); penalised"
            " = victim's guard score below -100; flooders reconnect under a new identity"
            " when dropped; the attackers run in the bench process on the same 2 cores as"
            " the victim; a publish ack is `send_control` end to end (open the store, queue"
            " the row, poke the control socket, read the finished row); penalty times are"
            " sampled from the status document the victim writes every 0.5 s"
        ),
        "summary": summary,
        "table": table(summary),
        "cases": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    plot(results, summary, out.with_suffix(".png"))
    print(report["table"])


if __name__ == "__main__":
    main()
