"""What the per-second history costs: rows and bytes an hour, and the writer's CPU.

Drives the daemon's own ``HistoryWriter.sample`` and ``Store.write_history`` (no network) on
a fresh store with a busy node's sample (4 topics with traffic, rank counts, two finetune
runs, a device's adapt status): an hour of samples written in the daemon's batches, then
an hour more on a store holding 48 h of rows (the retention deletes at work).

    python -m bench.runtime.history_cost [--hours 1] [--out bench/results/history_cost.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from node.config.settings import HistoryConfig
from node.runtime.history import DELETE_BATCH, HistoryWriter, Probe, as_row
from node.store.database import Store
from node.wire.status.history import TopicTraffic
from node.wire.status.services import (
    CheckpointStatus,
    DeviceAdaptStatus,
    FinetuneStatus,
    RankStatus,
    RunStatus,
)

TOPICS = ("byteswarm/notes", "rank/clicks", "finetune/grads/run-a", "finetune/hashes/run-a")


def busy_probe(second: int) -> Probe:
    runs = {}
    for rid in ("run-a", "run-b"):
        run = RunStatus(run_id=rid, round=second // 10, rounds=1000, sha256="ab" * 32)
        for r in range(0, second // 10, 50):
            run.checkpoints[str(r)] = CheckpointStatus(
                sha256="cd" * 32, agree=["p"], disagree=[], accuracy=0.8
            )
        runs[rid] = run
    sections = {
        "rank": RankStatus(searches=second // 7, clicks=second // 11),
        "finetune": FinetuneStatus(backend="torch", runs=runs),
        "adapt": DeviceAdaptStatus(uploads=second // 3, accuracy_recent=0.71, prompt_version=9),
    }
    return Probe(
        8, {"bad_signature": second // 100, "rate_limited": second // 50}, 50 << 20, sections
    )


def traffic() -> dict[str, TopicTraffic]:
    return {
        t: TopicTraffic(records_in=12, records_out=3, bytes_in=2400, bytes_out=600) for t in TOPICS
    }


def one_hour(store: Store, writer: HistoryWriter, start: int, seconds: int) -> dict[str, float]:
    config = writer.config
    sample_cpu = write_cpu = 0.0
    pending = []
    deleted = 0
    for s in range(seconds):
        probe = busy_probe(s)
        t0 = time.process_time()
        now = start + s
        writer.clock = lambda now=now: float(now)  # type: ignore[misc]
        pending.append(as_row(writer.sample(probe, traffic())))
        t1 = time.process_time()
        sample_cpu += t1 - t0
        if len(pending) >= config.write_every:
            before = int(now - config.retention_hours * 3600)
            deleted += store.write_history(pending, before, DELETE_BATCH)
            pending = []
            write_cpu += time.process_time() - t1
    return {"sample_cpu_s": sample_cpu, "write_cpu_s": write_cpu, "deleted": deleted}


def file_bytes(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    free = store.db.execute("PRAGMA freelist_count").fetchone()[0]
    size = store.db.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/history_cost.json"))
    args = parser.parse_args()
    seconds = int(args.hours * 3600)
    config = HistoryConfig()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "store.sqlite")
        empty = file_bytes(store)
        fresh = one_hour(store, HistoryWriter(config), 10**9, seconds)
        grown = file_bytes(store) - empty
        rows = store.db.execute("SELECT count(*), avg(length(sample)) FROM history").fetchone()
        # 48 h of rows, then the writer at steady state (each write deletes what aged out)
        store.db.execute("DELETE FROM history")
        full = 48 * 3600
        start = 2 * 10**9
        batch = [as_row(HistoryWriter(config).sample(busy_probe(s), traffic())) for s in range(600)]
        for base in range(0, full, 600):
            store.write_history(
                [
                    r.__class__(**{**r.__dict__, "ts_s": start + base + i})
                    for i, r in enumerate(batch)
                ],
                0,
                1,
            )
        full_bytes = file_bytes(store)
        steady = one_hour(store, HistoryWriter(config), start + full, seconds)
        t0 = time.perf_counter()
        points = store.read_history(start, start + full + seconds, 600)
        read_ms = 1000 * (time.perf_counter() - t0)
        store.close()
    report = {
        "command": "python -m bench.runtime.history_cost --hours " + f"{args.hours:g}",
        "date": time.strftime("%Y-%m-%d"),
        "seconds": seconds,
        "rows_per_hour": int(rows[0] * 3600 / seconds),
        "sample_bytes_mean": round(float(rows[1]), 1),
        "file_bytes_per_hour": int(grown * 3600 / seconds),
        "file_bytes_48h": full_bytes,
        "cpu_per_hour_s": {
            "fresh": {k: round(v, 3) for k, v in fresh.items()},
            "at_48h": {k: round(v, 3) for k, v in steady.items()},
        },
        "writer_cpu_share_of_a_core": round(
            (steady["sample_cpu_s"] + steady["write_cpu_s"]) / seconds, 5
        ),
        "read_48h_600_points_ms": round(read_ms, 1),
        "points_read": len(points),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
