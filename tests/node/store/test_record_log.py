"""The record log: inserts read back, replays are no-ops, batches are atomic, counts, next
seq, size, and sync cursors per peer and topic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from node.store.database import LOCAL_SOURCE, Store
from tests.node.store.sample_rows import all_records, rec


def test_insert_and_read_back(store: Store) -> None:
    rows = [rec(0), rec(1), rec(0, topic="u")]
    assert store.insert_records(rows, source="peer-1") == [True, True, True]
    stored = all_records(store, "t")
    assert [(r.topic, r.author, r.seq, r.ts_ms, r.blob) for r in stored] == [
        (r.topic, r.author, r.seq, r.ts_ms, r.blob) for r in rows[:2]
    ]
    assert {r.source for r in stored} == {"peer-1"}
    assert stored[0].cursor < stored[1].cursor
    assert store.has_record("t", b"A" * 32, 1)
    assert not store.has_record("t", b"A" * 32, 2)
    assert not store.has_record("t", b"B" * 32, 0)
    assert not store.has_record("v", b"A" * 32, 0)


def test_replayed_record_is_a_noop(store: Store) -> None:
    assert store.insert_records([rec(0, blob=b"original")], LOCAL_SOURCE) == [True]
    replay = rec(0, blob=b"forged or replayed")
    assert store.insert_records([replay, rec(1)], source="peer-2") == [False, True]
    assert store.insert_records([rec(2), rec(2)], source="peer-2") == [True, False]
    stored = all_records(store, "t")
    assert [r.seq for r in stored] == [0, 1, 2]
    assert stored[0].blob == b"original" and stored[0].source == LOCAL_SOURCE


def test_insert_batch_is_atomic(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_records([rec(0), rec(-1)], LOCAL_SOURCE)  # seq must be >= 0
    assert store.count_records() == 0


def test_counts_topics_and_next_seq(store: Store) -> None:
    a, b = b"A" * 32, b"B" * 32
    assert store.next_seq("t", a) == 0 and store.topics() == {} and store.count_records() == 0
    store.insert_records([rec(0, author=a), rec(1, author=a), rec(5, author=b)], LOCAL_SOURCE)
    store.insert_records([rec(0, topic="u", author=a)], LOCAL_SOURCE)
    assert store.next_seq("t", a) == 2
    assert store.next_seq("t", b) == 6
    assert store.next_seq("u", b) == 0
    assert store.count_records() == 4
    assert store.count_records("t") == 3
    assert store.count_records("nope") == 0
    assert store.topics() == {"t": 3, "u": 1}


def test_size_bytes_grows(store: Store) -> None:
    before = store.size_bytes()
    store.insert_records([rec(i, blob=bytes(4096)) for i in range(20)], LOCAL_SOURCE)
    assert store.size_bytes() >= before + 20 * 4096


def test_sync_cursors_persist_per_peer_and_topic(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        assert store.get_cursor("peerA", "t") == 0
        store.set_cursor("peerA", "t", 7)
        store.set_cursor("peerA", "u", 3)
        store.set_cursor("peerA", "t", 9)
    with Store.open(path) as store:
        assert store.get_cursor("peerA", "t") == 9
        assert store.get_cursor("peerA", "u") == 3
        assert store.get_cursor("peerB", "t") == 0
