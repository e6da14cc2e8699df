"""Attacks on a real local daemon: ``python -m bench.runtime.faults [--quick] [--out PATH]``.

For each case a fresh victim (a ``byteswarm run`` process from ``node/cli/swarm.py``) and one
honest daemon connected to it are started; the attackers run in this process (trio,
``bench/runtime/attacker.py``). During a fixed window the bench measures on the victim: whether it
exited, CPU % of one core and peak RSS (``/proc``), the latency of ``publish`` control
commands on the victim (queued in its store and acknowledged by the daemon), the delivery
time of notes the honest node publishes (author commit to victim commit, one clock), and
when the victim's peer guard first scored an attacker below the graylist (-100) and banned
it (from the status document the victim writes every 0.5 s).

Cases: baseline; junk frames on every protocol the victim accepts; a bad-libp2p-signature
pubsub flood; a correctly signed garbage-gossip flood (an in-process daemon with its own
validator removed); 200 stalled streams; 100 identities connecting. The flooders come back
under a fresh identity when the victim drops them, as a real attacker would.
Writes JSON and a PNG (victim CPU % and publish p99 per case) beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import trio

from bench.runtime.attacker import Attacker, bad_signature_rpc, payloads
from bench.runtime.measure import cpu_seconds
from node.cli.control import send_control
from node.cli.swarm import Swarm

NOTES = "byteswarm/notes"
GRAYLIST = -100.0
KNOWN_PROTOCOLS = (
    "/meshsub/1.2.0",
    "/meshsub/1.1.0",
    "/byteswarm/rpc/1.0.0",
    "/byteswarm/sync/2.0.0",
    "/byteswarm/sync-heads/1.0.0",
    "/byteswarm/sample/1.0.0",
    "/byteswarm/finetune/checkpoint/1.0.0",
    "/ipfs/id/1.0.0",
    "/ipfs/id/push/1.0.0",
)
STALL_PROTOCOLS = ("/byteswarm/rpc/1.0.0", "/byteswarm/sync/2.0.0")
CONFIG = "status_interval = 0.5"
PUBLISHES = 20


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def delivery_ms(data_dir: Path, since_ms: int) -> list[int]:
    """Author-commit to victim-commit delay of every note that reached the victim from a
    peer (the honest node: the attackers' records are invalid and never stored)."""
    db = sqlite3.connect(f"file:{data_dir / 'node.db'}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute(
            "SELECT received_ms - ts_ms FROM records"
            " WHERE topic = ? AND source != 'local' AND ts_ms >= ?",
            (NOTES, since_ms),
        ).fetchall()
    finally:
        db.close()
    return [int(r[0]) for r in rows]


class Case:
    """What one attack did: identities used, frames sent, the attackers' peer ids."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.counts: dict[str, int] = {}
        self.accepted: list[str] | None = None

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@contextlib.asynccontextmanager
async def _connected(addr: str, case: Case) -> Any:
    """An attacker under a new identity, connected to the victim (None if refused)."""
    attacker = Attacker()
    case.ids.add(attacker.peer_id)
    case.add("identities")
    async with contextlib.AsyncExitStack() as stack:
        try:
            connected: Attacker | None = await stack.enter_async_context(attacker.running(addr))
        except Exception:
            case.add("connect_failures")
            connected = None
        yield connected


async def attack_junk(addr: str, case: Case, seconds: float) -> None:
    """Every malformed payload on every accepted protocol, round after round."""
    accepted: list[str] = []
    async with _connected(addr, case) as probe:
        if probe is None:
            return
        for protocol in KNOWN_PROTOCOLS:
            data = payloads(protocol)["junk"]
            if await probe.send(protocol, data, linger=0.05):
                accepted.append(protocol)
    case.counts["accepted_protocols"] = len(accepted)
    case.accepted = accepted
    seed = 0
    while True:
        async with _connected(addr, case) as attacker:
            if attacker is None:
                await trio.sleep(0.2)
                continue
            while attacker.connected():
                seed += 1
                for protocol in accepted:
                    for data in payloads(protocol, seed).values():
                        if await attacker.send(protocol, data, linger=0.02):
                            case.add("frames_sent")
                        else:
                            case.add("streams_refused")
                await trio.sleep(0)


async def attack_bad_signature(addr: str, case: Case, seconds: float) -> None:
    """Frames of 50 messages with a zero libp2p signature, stream reopened when reset."""
    while True:
        async with _connected(addr, case) as attacker:
            if attacker is None:
                await trio.sleep(0.2)
                continue
            frame = bad_signature_rpc(attacker.host.get_id().to_bytes(), NOTES, b"\x92\x01\x90", 50)
            stream = None
            while attacker.connected():
                if stream is None:
                    stream = await attacker.stall("/meshsub/1.1.0", b"")
                    case.add("streams_opened")
                    if stream is None:
                        await trio.sleep(0.05)
                        continue
                try:
                    await stream.write(frame)
                    case.add("frames_sent")
                except Exception:
                    stream = None
                await trio.sleep(0.01)


async def attack_garbage_gossip(addr: str, case: Case, seconds: float, root: Path) -> None:
    """A correctly signed host (an in-process daemon without its own validator)
    publishing records the victim's validator rejects."""
    from node.config.settings import load_config
    from node.runtime.daemon import Daemon

    n = 0
    while True:
        case.add("identities")
        rogue = Daemon(load_config(None, data_dir=str(root / f"rogue{len(case.ids)}")))
        case.ids.add(rogue.peer_id)
        async with trio.open_nursery() as nursery:
            await nursery.start(rogue.run)
            try:
                await rogue.p2p.connect(addr)
            except Exception:
                case.add("connect_failures")
            rogue.p2p.pubsub.remove_topic_validator(NOTES)
            victim = addr.rsplit("/p2p/", 1)[1]
            with trio.move_on_after(10):
                while victim not in [
                    p.to_base58() for p in rogue.p2p.gossipsub.mesh.get(NOTES, ())
                ]:
                    await trio.sleep(0.1)
            while victim in [p.to_base58() for p in rogue.p2p.host.get_connected_peers()]:
                try:
                    await rogue.p2p.pubsub.publish(NOTES, b"\xc1junk%d" % n)
                    case.add("frames_sent")
                except Exception:
                    case.add("publish_errors")
                n += 1
                await trio.sleep(0.02)
            nursery.cancel_scope.cancel()
        await trio.sleep(0.2)


async def attack_stalled(addr: str, case: Case, seconds: float, streams: int = 200) -> None:
    """``streams`` streams on the rpc/sync protocols, each left after a partial frame."""
    async with _connected(addr, case) as attacker:
        if attacker is None:
            return
        held = []
        for i in range(streams):
            protocol = STALL_PROTOCOLS[i % len(STALL_PROTOCOLS)]
            stream = await attacker.stall(protocol, payloads(protocol, i)["truncated"])
            if stream is None:
                case.add("streams_refused")
            else:
                held.append(stream)
                case.add("streams_opened")
        await trio.sleep_forever()


async def attack_identities(addr: str, case: Case, seconds: float, count: int = 100) -> None:
    """``count`` distinct hosts connecting and staying connected."""

    async def one() -> None:
        async with _connected(addr, case) as attacker:
            if attacker is not None:
                case.add("connected")
                await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(one)
            await trio.sleep(0.01)


async def measure(
    swarm: Swarm, victim: Path, honest: Path, seconds: float, attack: Any, case: Case
) -> dict[str, Any]:
    proc = swarm.procs[0]
    pid = proc.pid
    acks: list[float] = []
    ack_failures = 0
    rss: list[float] = []
    penalised: dict[str, float] = {}
    banned: dict[str, float] = {}
    honest_published = 0
    t0 = time.monotonic()
    t0_ms = int(time.time() * 1000)
    cpu0 = cpu_seconds(pid)
    cpu1 = cpu0

    def publish_one() -> float | None:
        start = time.monotonic()
        try:
            send_control(victim, "publish", {"text": "ack", "value": 1.0}, timeout=10.0)
        except Exception:
            return None
        return time.monotonic() - start

    async def acker() -> None:
        nonlocal ack_failures
        for i in range(PUBLISHES):
            await trio.sleep_until(t0 + i * seconds / PUBLISHES)
            took = await trio.to_thread.run_sync(publish_one)
            if took is None:
                ack_failures += 1
            else:
                acks.append(took * 1000)

    def honest_publish() -> None:
        nonlocal honest_published
        rate = PUBLISHES / seconds
        with contextlib.suppress(Exception):
            send_control(
                honest,
                "publish",
                {"text": "honest", "value": 1.0, "count": PUBLISHES, "rate": rate},
                timeout=seconds + 30,
            )
            honest_published = PUBLISHES

    async def watcher() -> None:
        nonlocal cpu1
        while time.monotonic() - t0 < seconds:
            if proc.poll() is not None:
                return
            rss.append(rss_mb(pid))
            cpu1 = cpu_seconds(pid)
            status = await trio.to_thread.run_sync(swarm.status, victim)
            now = time.monotonic() - t0
            for peer, info in ((status or {}).get("peers", {}).get("peers", {})).items():
                if peer not in case.ids:
                    continue
                if info.get("score", 0) < GRAYLIST:
                    penalised.setdefault(peer, now)
                if info.get("banned"):
                    banned.setdefault(peer, now)
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
        cpu1 = cpu_seconds(pid)
    # the measurement window is ``seconds``; acks that ran past it extend it honestly
    cpu_pct = 100 * (cpu1 - cpu0) / max(window, 1e-9)
    # give the last honest notes a moment (sync interval 1 s) before reading the store
    deadline = time.monotonic() + 5
    delays: list[int] = []
    while time.monotonic() < deadline:
        delays = delivery_ms(victim, t0_ms)
        if len(delays) >= honest_published:
            break
        time.sleep(0.25)
    acks_arr = np.array(acks) if acks else np.array([np.nan])
    delays_arr = np.array(delays, dtype=np.float64) if delays else np.array([np.nan])
    first_pen = min(penalised.values()) if penalised else None
    first_ban = min(banned.values()) if banned else None
    return {
        "crashed": crashed,
        "exit_code": proc.returncode,
        "window_s": round(window, 2),
        "cpu_pct": round(cpu_pct, 1),
        "rss_mb_peak": round(max(rss), 1) if rss else None,
        "rss_mb_end": round(rss[-1], 1) if rss else None,
        "ack_ms_p50": round(float(np.percentile(acks_arr, 50)), 1),
        "ack_ms_p99": round(float(np.percentile(acks_arr, 99)), 1),
        "acks": len(acks),
        "ack_failures": ack_failures,
        "honest_published": honest_published,
        "honest_delivered": len(delays),
        "delivery_ms_p50": round(float(np.percentile(delays_arr, 50)), 1),
        "delivery_ms_p99": round(float(np.percentile(delays_arr, 99)), 1),
        "attacker_identities": len(case.ids),
        "penalised_identities": len(penalised),
        "banned_identities": len(banned),
        "penalised_after_s": None if first_pen is None else round(first_pen, 1),
        "banned_after_s": None if first_ban is None else round(first_ban, 1),
        "attack": dict(case.counts),
    }


def run_case(name: str, seconds: float, root: Path) -> dict[str, Any]:
    case = Case()
    with Swarm(root / name, sync_interval=1.0) as swarm:
        victim = swarm.start(config=CONFIG)
        addr = swarm.address(victim)
        honest = swarm.start(addr, config=CONFIG)
        swarm.wait_for(
            lambda: (swarm.status(victim) or {}).get("topics", {}).get(NOTES, 0) >= 1,
            60,
            "the victim's gossip mesh with the honest node",
        )
        time.sleep(1.0)
        attacks = {
            "baseline": None,
            "junk_frames": lambda: attack_junk(addr, case, seconds),
            "bad_signature_flood": lambda: attack_bad_signature(addr, case, seconds),
            "garbage_gossip_flood": lambda: attack_garbage_gossip(addr, case, seconds, root / name),
            "stalled_streams_200": lambda: attack_stalled(addr, case, seconds),
            "identities_100": lambda: attack_identities(addr, case, seconds),
        }
        maker = attacks[name]

        async def main() -> dict[str, Any]:
            attack = None if maker is None else maker
            return await measure(swarm, victim, honest, seconds, attack, case)

        result = trio.run(main)
        if case.accepted is not None:
            result["accepted_protocols"] = case.accepted
        if result["crashed"]:
            result["log_tail"] = (victim / "daemon.log").read_text(errors="replace")[-2000:]
    return {"case": name, **result}


CASES = (
    "baseline",
    "junk_frames",
    "bad_signature_flood",
    "garbage_gossip_flood",
    "stalled_streams_200",
    "identities_100",
)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["case"] for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    ax1.bar(names, [r["cpu_pct"] for r in results], color="tab:red")
    ax1.set_ylabel("victim CPU, % of one core")
    ax1.set_title("victim CPU during the window")
    ax2.bar(names, [r["ack_ms_p99"] for r in results], color="tab:blue")
    ax2.set_ylabel("publish acknowledge p99, ms")
    ax2.set_title("operator publish latency on the victim")
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", rotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s windows instead of 15 s")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    out = args.out or Path(f"bench/results/faults{'_quick' if args.quick else ''}.json")
    root = Path(tempfile.mkdtemp(prefix="byteswarm-faults-"))
    results = []
    for name in args.cases:
        print(f"{name}: {seconds:g} s window", file=sys.stderr)
        results.append(run_case(name, seconds, root))
        print(json.dumps(results[-1]), file=sys.stderr)
    report = {
        "bench": "faults",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "command": " ".join(["python -m bench.runtime.faults", *sys.argv[1:]]),
        "window_s": seconds,
        "publishes_per_window": PUBLISHES,
        "seeds": "attacker keys are random (os.urandom); junk payload seeds 0..n by round",
        "notes": (
            "one victim + one honest daemon per case, fresh data dirs; CPU is the victim's"
            " user+sys time over the window; penalised = victim's guard score below -100;"
            " flooders reconnect under a new identity when dropped; the attackers run in the"
            " bench process on the same 2 cores as the victim; the victim polls its control"
            " table every 0.25 s, so ~250 ms is the publish-acknowledge floor; penalty times"
            " are sampled from the status document the victim writes every 0.5 s"
        ),
        "cases": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    plot(results, out.with_suffix(".png"))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
