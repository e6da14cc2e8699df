"""The history writer against a fake node: one sample a second, written in batches from the
store thread, counters turned into per-second differences, old rows deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
import trio.testing

from node.config.settings import HistoryConfig
from node.runtime.history import HistoryWriter, Probe, Traffic
from node.store.database import Store
from node.store.rows import StoreFullError
from node.wire.status.history import decode_sample
from node.wire.status.services import (
    CheckpointStatus,
    DeviceAdaptStatus,
    FinetuneStatus,
    RankStatus,
    RunStatus,
    ServiceStatus,
)


class FakeHost:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.traffic = Traffic()
        self.rejections: dict[str, int] = {}
        self.sections: dict[str, ServiceStatus] = {}
        self.writes = 0

    def history_probe(self) -> Probe:
        return Probe(2, dict(self.rejections), 4096, dict(self.sections))

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.writes += 1
        return await trio.to_thread.run_sync(lambda: fn(*args))


def test_a_sample_a_second_written_every_five_with_differences(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite")
    host = FakeHost(store)
    clock = lambda: 1_000_000.0 + trio.current_time()  # noqa: E731
    writer = HistoryWriter(HistoryConfig(write_every=5), clock=clock)
    run = RunStatus(run_id="r", round=9, sha256="ab" * 32)
    run.checkpoints["8"] = CheckpointStatus(sha256="x", agree=[], disagree=[], accuracy=0.7)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(writer.run, host)
            await trio.sleep(0.5)  # between the writer's ticks
            for second in range(10):
                host.traffic.inbound("rank/clicks", 100)
                if second == 3:
                    host.traffic.outbound("byteswarm/notes", 50)
                    host.rejections = {"bad_signature": 2}
                    host.sections["rank"] = RankStatus(searches=3, clicks=1)
                    host.sections["finetune"] = FinetuneStatus(runs={"r": run})
                    host.sections["adapt"] = DeviceAdaptStatus(
                        uploads=4,
                        accuracy_recent=0.5,
                        uncertainty_recent=0.25,
                        samples=10,
                        uplink_bytes_per_sample=3.5,
                    )
                await trio.sleep(1.0)
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0.01))
    assert host.writes == 2 and writer.written == 10  # two batches of five
    rows = store.read_history(1_000_000, 1_000_100, 100)
    assert len(rows) == 10 and all(r.records_in == 1 and r.bytes_in == 100 for r in rows)
    samples = [decode_sample(r.sample) for r in rows]
    busy = samples[3]
    assert busy.topics["byteswarm/notes"].bytes_out == 50 and rows[3].records_out == 1
    assert busy.rejections == {"bad_signature": 2} and samples[4].rejections == {}
    assert (busy.searches, busy.clicks, samples[4].searches) == (3, 1, 0)
    assert busy.runs["r"].round == 9 and busy.runs["r"].accuracy == 0.7
    assert (busy.adapt_uploads, busy.adapt_accuracy) == (4, 0.5)
    assert (busy.adapt_uncertainty, busy.adapt_upload_bytes) == (0.25, 35)
    assert all(s.peers == 2 and s.store_bytes == 4096 and s.cpu >= 0 for s in samples)


def test_rows_past_the_retention_are_deleted_by_the_writer(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite")
    host = FakeHost(store)
    writer = HistoryWriter(HistoryConfig(retention_hours=1, write_every=1), clock=lambda: 10_000.0)
    from node.runtime.history import as_row
    from node.wire.status.history import HistorySample

    store.write_history([as_row(HistorySample(ts_s=t)) for t in range(5000, 7000)], 0, 1)

    async def main() -> None:
        with trio.move_on_after(3.5):
            await writer.run(host)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0.01))
    assert writer.deleted == 1400  # 1400 rows before 10000 - 3600, 600 a write at most
    assert store.history_bounds() == (6400, 10_000)


class FullHost(FakeHost):
    """Every store call fails as SQLite does on a full disk."""

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.writes += 1
        raise StoreFullError("database or disk is full")


def test_a_full_store_drops_history_and_the_writer_keeps_going(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite")
    host = FullHost(store)
    writer = HistoryWriter(HistoryConfig(write_every=5))

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(writer.run, host)  # an exception here would end main
            await trio.sleep(10.5)
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0.01))
    assert host.writes == 2 and writer.dropped == 10 and writer.written == 0
