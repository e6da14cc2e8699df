"""Attacks on a real local daemon: ``python -m bench.runtime.faults [--runs 3] [--out PATH]``.

For each case a fresh victim (a ``byteswarm run`` process from ``node/cli/swarm.py``) and one
honest daemon connected to it are started; the attackers run in this process (trio,
``bench/runtime/fault_attacks.py``). During a fixed window the bench measures on the victim:
whether it exited, CPU % of one core (over the window and over its second half, when the
attackers are connected and penalised) and peak RSS (``/proc``), the latency of
``publish`` control commands on the victim (queued in its store and acknowledged by the
daemon; sent by ``bench/runtime/fault_acker.py`` in a process of its own, as an operator's CLI
would be), the delivery time of notes the honest node publishes (author commit to victim
commit, one clock), when the victim's peer guard first scored an attacker below the
graylist (-100) and banned it (from the status document the victim writes every 0.5 s),
and how many records by attacker identities the victim stored.

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
from bench.runtime.faults_report import plot, summarise, table
from bench.runtime.measure import cpu_seconds, pct, rss_mb
from bench.runtime.victim_store import attacker_rows, delivery_ms
from node.cli.control import send_control
from node.cli.swarm import Swarm

GRAYLIST = -100.0
CONFIG = "status_interval = 0.5"
QUOTA = 1000
"""``[store] notes_per_author`` of the valid-flood victim (default 10,000)."""
PUBLISHES = 20
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


async def measure(
    swarm: Swarm,
    victim: Path,
    honest: Path,
    seconds: float,
    attack: Callable[[], Awaitable[None]] | None,
    case: Case,
) -> dict[str, Any]:
    proc = swarm.procs[0]
    pid = proc.pid
    acks: list[float] = []
    ack_failures = 0
    rss: list[float] = []
    cpu: list[tuple[float, float]] = []
    stored: list[tuple[float, int]] = []
    penalised: dict[str, float] = {}
    banned: dict[str, float] = {}
    last_status: dict[str, Any] = {}
    honest_published = 0
    honest_id = swarm.address(honest).rsplit("/p2p/", 1)[1]
    t0 = time.monotonic()
    t0_ms = int(time.time() * 1000)
    cpu.append((0.0, cpu_seconds(pid)))

    async def acker() -> None:
        nonlocal ack_failures
        cmd = [sys.executable, "-m", "bench.runtime.fault_acker", str(victim), str(PUBLISHES)]
        done = await trio.run_process([*cmd, str(seconds)], capture_stdout=True, check=False)
        try:
            report = json.loads(done.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            ack_failures = PUBLISHES
            return
        acks.extend(report["acks_ms"])
        ack_failures = len(report["failures"])

    def honest_publish() -> None:
        nonlocal honest_published
        rate = PUBLISHES / seconds
        try:
            send_control(
                honest,
                "publish",
                {"text": "honest", "value": 1.0, "count": PUBLISHES, "rate": rate},
                timeout=seconds + 30,
            )
        except Exception:
            return
        honest_published = PUBLISHES

    async def watcher() -> None:
        nonlocal last_status
        while time.monotonic() - t0 < seconds:
            if proc.poll() is not None:
                return
            now = time.monotonic() - t0
            rss.append(rss_mb(pid))
            cpu.append((now, cpu_seconds(pid)))
            status = await trio.to_thread.run_sync(swarm.status, victim)
            last_status = status or last_status
            for peer, info in ((status or {}).get("peers", {}).get("peers", {})).items():
                if peer not in case.ids:
                    continue
                if info.get("score", 0) < GRAYLIST:
                    penalised.setdefault(peer, now)
                if info.get("banned"):
                    banned.setdefault(peer, now)
            if case.ids:
                rows, _ = await trio.to_thread.run_sync(attacker_rows, victim, set(case.ids))
                stored.append((round(now, 1), rows))
            await trio.sleep(0.5)

    async with trio.open_nursery() as nursery:
        if attack is not None:
            nursery.start_soon(attack)
        async with trio.open_nursery() as inner:
            inner.start_soon(acker)
            inner.start_soon(trio.to_thread.run_sync, honest_publish)
            inner.start_soon(watcher)
        nursery.cancel_scope.cancel()
    window = time.monotonic() - t0
    crashed = proc.poll() is not None
    if not crashed:
        cpu.append((window, cpu_seconds(pid)))
    # the measurement window is ``seconds``; acks that ran past it extend it honestly
    cpu_pct = 100 * (cpu[-1][1] - cpu[0][1]) / max(cpu[-1][0], 1e-9)
    half = [(t, c) for t, c in cpu if t >= seconds / 2]
    late_pct = 100 * (half[-1][1] - half[0][1]) / max(half[-1][0] - half[0][0], 1e-9)
    # give the last honest notes a moment (sync interval 1 s) before reading the store
    deadline = time.monotonic() + 5
    delays: list[int] = []
    while time.monotonic() < deadline:
        delays = delivery_ms(victim, t0_ms, honest_id)
        if len(delays) >= honest_published:
            break
        time.sleep(0.25)
    rows, size = attacker_rows(victim, case.ids) if case.ids else (0, 0)
    first_pen = min(penalised.values()) if penalised else None
    first_ban = min(banned.values()) if banned else None
    return {
        "crashed": crashed,
        "exit_code": proc.returncode,
        "window_s": round(window, 2),
        "cpu_pct": round(cpu_pct, 1),
        "cpu_pct_second_half": round(late_pct, 1),
        "rss_mb_peak": round(max(rss), 1) if rss else None,
        "rss_mb_end": round(rss[-1], 1) if rss else None,
        "ack_ms_p50": pct(acks, 50),
        "ack_ms_p99": pct(acks, 99),
        "acks": len(acks),
        "acks_ms": [round(a, 1) for a in acks],
        "ack_failures": ack_failures,
        "honest_published": honest_published,
        "honest_delivered": len(delays),
        "delivery_ms_p50": pct([float(d) for d in delays], 50),
        "delivery_ms_p99": pct([float(d) for d in delays], 99),
        "attacker_identities": len(case.ids),
        "penalised_identities": len(penalised),
        "banned_identities": len(banned),
        "penalised_after_s": None if first_pen is None else round(first_pen, 1),
        "banned_after_s": None if first_ban is None else round(first_ban, 1),
        "attacker_rows_stored": rows,
        "attacker_kb_stored": round(size / 1024, 1),
        "attacker_rows_series": stored if any(n for _, n in stored) else [],
        "store_refused": last_status.get("store_refused", {}),
        "attack": dict(case.counts),
        **{k: v for k, v in case.extra.items() if k != "author"},
    }


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
