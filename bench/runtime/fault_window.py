"""One case's window on the attacked daemon (``bench/runtime/faults.py``): what the bench
measures while the attackers run.

On the victim: whether it exited, CPU % of one core (over the window and over its second
half, when the attackers are connected and penalised) and peak RSS (``/proc``), the latency
of ``publish`` control commands (sent by ``bench/runtime/fault_acker.py`` in a process of
its own, as an operator's CLI would be), the delivery time of the notes the honest node
publishes meanwhile (author commit to victim commit, one clock), when its peer guard first
scored an attacker below the graylist (-100) and banned it (from the status document it
writes every 0.5 s), and how many records by attacker identities it stored.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio

from bench.runtime.fault_attacks import Case
from bench.runtime.measure import cpu_seconds, pct, rss_mb
from bench.runtime.victim_store import attacker_rows, delivery_ms
from node.cli.control import send_control
from node.cli.swarm import Swarm

GRAYLIST = -100.0
PUBLISHES = 20
"""Operator publishes on the victim, and notes the honest node publishes, per window."""


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
