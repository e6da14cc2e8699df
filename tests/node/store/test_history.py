"""The ``history`` table: the migration, batched writes with bounded deletes of old rows,
and reads downsampled in SQL with each bucket's last sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.store.database import Store
from node.store.history import HistoryRow
from node.store.migrations import MIGRATIONS, m007_history
from node.wire.status.history import HistorySample, TopicTraffic, decode_sample, encode_sample


def row(ts: int, *, peers: int = 1, records_in: int = 1, rss: int = 100) -> HistoryRow:
    sample = HistorySample(ts_s=ts, peers=peers, topics={"t": TopicTraffic(records_in=records_in)})
    return HistoryRow(
        ts, peers, records_in, 0, 10 * records_in, 0, 0, 0.5, rss, 1000, encode_sample(sample)
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "store.sqlite")


def test_the_migration_is_the_last_and_stands_alone(store: Store) -> None:
    assert MIGRATIONS[-1] is m007_history
    m007_history(store._db)  # type: ignore[attr-defined]  # again, as after another branch's
    assert store.history_bounds() is None


def test_rows_round_trip_and_old_rows_go_in_bounded_batches(store: Store) -> None:
    assert store.write_history([row(t) for t in range(100, 200)], before_s=0, delete_max=10) == 0
    assert store.history_bounds() == (100, 199)
    assert store.write_history([row(200)], before_s=150, delete_max=10) == 10  # not all 50
    assert store.history_bounds() == (110, 200)
    assert store.write_history([], before_s=150, delete_max=1000) == 40
    assert store.history_bounds() == (150, 200)
    store.write_history([row(200, peers=7)], before_s=0, delete_max=10)  # a second rewritten
    [last] = store.read_history(200, 200, 1)
    assert last.peers == 7 and decode_sample(last.sample).peers == 7


def test_reads_are_downsampled_in_sql_to_at_most_k_points(store: Store) -> None:
    store.write_history([row(t, peers=t % 4, records_in=2, rss=t) for t in range(0, 3600)], 0, 10)
    points = store.read_history(0, 3599, 60)
    assert len(points) == 60 and [p.seconds for p in points] == [60] * 60
    first = points[0]
    assert first.ts_s == 59 and first.records_in == 120 and first.bytes_in == 1200
    assert first.peers == pytest.approx(1.5) and first.rss_bytes == 59  # mean, max
    assert decode_sample(first.sample).ts_s == 59  # the bucket's last second
    assert len(store.read_history(0, 3599, 10_000)) == 3600  # never more than the rows
    assert [p.ts_s for p in store.read_history(1000, 1009, 5)] == [1001, 1003, 1005, 1007, 1009]
    assert store.read_history(10, 5, 3) == [] and store.read_history(0, 10, 0) == []
