"""The history writer against a fake node: one sample a second, written in batches from the
store thread, counters turned into per-second differences, old rows deleted, samples kept
(ten minutes at most) while the store is full."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
import trio.testing

from node.config.settings import HistoryConfig
from node.runtime.history import BUFFER_LIMIT, HistoryWriter, Probe, Traffic
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
    run.checkpoints["4"] = CheckpointStatus(
        sha256="w", agree=[], disagree=[], loss=0.6, accuracy=0.6
    )
    run.checkpoints["8"] = CheckpointStatus(
        sha256="x", agree=[], disagree=[], loss=0.4, accuracy=0.7
    )

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
    assert busy.runs["r"].loss == 0.4  # the newest scored checkpoint's held-out loss
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


class FullForAWhile(FakeHost):
    """A store whose writes fail as SQLite's do on a full disk until ``full_until`` (trio
    time), then succeed (in the trio thread: the mock clock may then jump at once)."""

    def __init__(self, store: Store, full_until: float = 0.0) -> None:
        super().__init__(store)
        self.full_until = full_until
        self.refused = 0

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.writes += 1
        await trio.lowlevel.checkpoint()
        if trio.current_time() < self.full_until:
            self.refused += 1
            raise StoreFullError("database or disk is full")
        return fn(*args)


def _run_for(writer: HistoryWriter, host: FakeHost, seconds: float) -> None:
    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(writer.run, host)  # an exception here would end main
            await trio.sleep(seconds)
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def _clock() -> float:
    return 1_000_000.0 + trio.current_time()


def test_a_full_store_keeps_the_samples_and_writes_them_when_space_returns(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "store.sqlite")
    host = FullForAWhile(store, full_until=102.5)  # refuses the writes at 5, 10, ..., 100 s
    writer = HistoryWriter(HistoryConfig(write_every=5), clock=_clock)
    _run_for(writer, host, 130.5)
    rows = store.read_history(1_000_000, 1_000_200, 1000)
    assert [r.ts_s - 1_000_000 for r in rows] == list(range(1, 131))  # no second lost
    assert (host.refused, writer.failed_writes, writer.dropped) == (20, 20, 0)
    assert writer.written == 130 and not writer.pending
    status = writer.status()
    assert (status.written, status.buffered, status.dropped, status.failed_writes) == (
        130,
        0,
        0,
        20,
    )


def test_past_ten_minutes_of_a_full_store_the_oldest_samples_are_dropped_and_counted(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "store.sqlite")
    host = FullForAWhile(store, full_until=702.5)  # the first write that succeeds: at 705 s
    writer = HistoryWriter(HistoryConfig(write_every=5), clock=_clock)
    _run_for(writer, host, 710.5)
    rows = store.read_history(1_000_000, 1_001_000, 1000)
    assert [r.ts_s - 1_000_000 for r in rows] == list(range(106, 711))
    assert writer.dropped == 705 - BUFFER_LIMIT  # seconds 1..105: the oldest went first
    assert writer.failed_writes == 140
    assert writer.status().dropped == 105 and writer.status().buffered == 0


def test_while_the_node_is_read_only_the_writer_does_not_try_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "store.sqlite")

    class ReadOnlyNode(FullForAWhile):
        def history_probe(self) -> Probe:
            full = trio.current_time() < 30.5
            return Probe(2, {}, 4096, {}, store_full=full)

    host = ReadOnlyNode(store)
    writer = HistoryWriter(HistoryConfig(write_every=5), clock=_clock)
    _run_for(writer, host, 36.5)
    assert host.writes == 2  # at 31 s (the 31 samples buffered so far) and at 36 s
    assert writer.written == 36 and writer.failed_writes == 0
    assert len(store.read_history(1_000_000, 1_000_100, 100)) == 36
