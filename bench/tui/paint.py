"""TUI paint bench: time to first paint, store-change-to-redraw and RSS on a big store.

Each run is a fresh process (``--child``) that imports the app, opens the store and runs
it headless at 120x40 (textual's ``run_test``: the compositor renders every frame as in a
terminal, nothing is written to one):

- first paint: from before ``import tui.app`` to the first snapshot drawn and a frame
  rendered (the overview with the store's events);
- redraw: another connection adds an event; the time until the overview's newest row is
  that event (the app polls ``PRAGMA data_version`` every 0.5 s: expect ~0.3 s, <= ~0.8 s);
- RSS: the process's resident set (VmRSS) and peak (VmHWM) after the redraws;
- history: the store holds ``--history-hours`` (48) of per-second rows; each change also
  writes a new second, so every redraw re-reads both history windows (the daemon writes
  one every 5 s: this is the worst case); ``history_load_s`` is one ``tui.history.load``
  (the recent and the whole window) on its own, ``replay_s`` the time from ``{`` (five
  minutes back) to that second drawn;
- play: from 6 h back (the oldest second on a smaller history), ``P`` at 600x for
  ``--play-s`` seconds: ``play_frames_per_s`` replayed seconds drawn a second (a frame is
  read and drawn before the next is asked for, so about 1 / ``replay_s``) and
  ``play_history_s_per_s`` history seconds played a second (600 if frames are skipped,
  not queued; less only where it reached the newest second and went live).

Goals (issue 19): first paint <= 1.5 s, redraw <= 1 s, RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.runtime.measure import write_report
from bench.tui.fill import HISTORY_END_S, fill

RESULTS = Path(__file__).resolve().parents[1] / "results"
GOALS = {"first_paint_s": 1.5, "redraw_s": 1.0, "rss_mb": 150.0}


def proc_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(data_dir: Path, changes: int, play_s: float = 5.0) -> dict[str, Any]:
    t0 = time.perf_counter()
    from textual.widgets import DataTable

    from node.config.settings import STORE_FILE
    from node.runtime.history import as_row
    from node.store.database import Store
    from node.wire.status.history import HistorySample
    from tui import history
    from tui.app import NodeApp
    from tui.source import StoreReader

    reader = StoreReader(data_dir, data_dir / STORE_FILE)
    app = NodeApp(reader, send=lambda command: {}, read_only=True)
    out: dict[str, Any] = {}

    def newest(pilot_app: NodeApp) -> str:
        table: DataTable[Any] = pilot_app.query_one("#recent-events", DataTable)
        return str(table.get_row_at(0)[3]) if table.row_count else ""

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            while app.snapshot is None or not newest(app):
                await asyncio.sleep(0.005)
            await pilot.pause()  # one frame composed with the data
            out["first_paint_s"] = time.perf_counter() - t0
            delays = []
            with Store.open(data_dir / STORE_FILE) as writer:
                for i in range(changes):
                    await asyncio.sleep(0.37 * (i % 3))  # land at different poll phases
                    message = f"change {i}"
                    start = time.perf_counter()
                    writer.add_event("bench", message)
                    second = as_row(HistorySample(ts_s=HISTORY_END_S + 1 + i, peers=9))
                    writer.write_history([second], 0, 0)
                    while newest(app) != message:
                        await asyncio.sleep(0.005)
                    await pilot.pause()
                    delays.append(time.perf_counter() - start)
            out["redraw_s"] = statistics.mean(delays)
            out["redraw_max_s"] = max(delays)
            replays = []
            pane = app.panes[0]
            for _ in range(3):
                start = time.perf_counter()
                await pilot.press("left_curly_bracket")
                while pane.snapshot is None or pane.snapshot.replay_s != pane.replay_s:
                    await asyncio.sleep(0.005)
                await pilot.pause()
                replays.append(time.perf_counter() - start)
            out["replay_s"] = statistics.mean(replays)
            out.update(await play(pilot, app, play_s))
            with Store.open(data_dir / STORE_FILE, readonly=True) as store:
                start = time.perf_counter()
                history.load(store)
                out["history_load_s"] = time.perf_counter() - start
            out["rss_mb"] = proc_mb("VmRSS")
            out["rss_peak_mb"] = proc_mb("VmHWM")

    asyncio.run(main())
    reader.close()
    return out


async def play(pilot: Any, app: Any, play_s: float) -> dict[str, float]:
    """Play the replay at 600x from 6 h back for ``play_s`` (see the module docstring)."""
    pane = app.panes[0]
    pane.replayer.show_second(HISTORY_END_S - 6 * 3600)
    while pane.snapshot is None or pane.snapshot.replay_s != pane.replay_s:
        await asyncio.sleep(0.005)
    await pilot.press("plus", "plus", "plus", "P")  # 1x -> 10x -> 60x -> 600x
    first = last = pane.replay_s
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < play_s and pane.replay_s is not None:
        shown = pane.snapshot.replay_s if pane.snapshot else None
        if shown is not None and shown != last:
            frames, last = frames + 1, shown
        await asyncio.sleep(0.005)
    took = time.perf_counter() - start
    await pilot.press("L")
    return {"play_frames_per_s": frames / took, "play_history_s_per_s": (last - first) / took}


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for ax, (key, unit) in zip(
        axes, [("first_paint_s", "s"), ("redraw_s", "s"), ("rss_mb", "MB")], strict=True
    ):
        values = [r[key] for r in runs]
        ax.bar(range(1, len(values) + 1), values, color="#4477aa")
        ax.axhline(GOALS[key], color="#cc3311", linestyle="--", label="goal")
        ax.set_title(f"{key} ({unit})")
        ax.set_xlabel("run")
        ax.legend(loc="lower right")
    fig.suptitle("byteswarm tui on 100k records, 50 peers, 48 h of history (a process a run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--peers", type=int, default=50)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--history-hours", type=float, default=48.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=10, help="store changes per run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--play-s", type=float, default=5.0, help="seconds of play per run")
    parser.add_argument("--json", type=Path, default=RESULTS / "tui_paint.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.changes, args.play_s)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        data_dir = Path(tmp) / "node"
        t0 = time.perf_counter()
        store = fill(data_dir, args.records, args.peers, args.events, args.seed, args.history_hours)
        print(f"filled {store} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        store_mb = store.stat().st_size / 1e6
        runs = []
        for i in range(args.runs):
            command = [sys.executable, "-m", "bench.tui.paint", "--child", str(data_dir)]
            command += ["--changes", str(args.changes), "--play-s", str(args.play_s)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {i + 1}: {json.dumps(runs[-1])}", file=sys.stderr)
    extra = {"records": args.records, "peers": args.peers, "events": args.events}
    extra |= {"history_hours": args.history_hours}
    extra |= {"seed": args.seed, "store_mb": round(store_mb, 1), "goals": GOALS}
    write_report("tui_paint", "bench.tui.paint", runs, set(), extra, args.json)
    if args.json:
        plot(runs, args.json.with_suffix(".png"))


if __name__ == "__main__":
    main()
