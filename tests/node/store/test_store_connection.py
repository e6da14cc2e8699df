"""Opening the store (pragmas, clear errors), closing, transactions, busy writers, read-only
access and relaxed commits."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from node.store.database import LOCAL_SOURCE, RecordRow, Store, StoreError
from tests.node.store.sample_rows import rec

# opening


def test_open_creates_dir_and_sets_pragmas(store: Store, db_path: Path) -> None:
    assert store.path == db_path and db_path.is_file() and not store.readonly
    pragma = {
        name: store.db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match=r"data dir .* is not writable"):
        Store.open(blocker / "sub" / "node.db")


def test_non_database_file_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "node.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open(junk)
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open(junk, readonly=True)


def test_close_via_context_manager(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.write_status("node", b'{"up":true}')
    with pytest.raises(sqlite3.ProgrammingError):
        store.read_status("node")


# transactions and read-only access


def test_transaction_rolls_back_and_nests(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.write_status("node", b'{"x":1}')
        store.insert_records([rec(0)], LOCAL_SOURCE)
        raise RuntimeError("boom")
    assert store.read_status("node") is None and store.count_records() == 0
    with store.transaction():
        store.insert_records([rec(0)], LOCAL_SOURCE)
        store.add_event("k", "m")
    assert store.count_records() == 1 and len(store.recent_events()) == 1


def test_busy_writer_is_a_clear_error(store: Store, db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        store.db.execute("PRAGMA busy_timeout = 20")
        with pytest.raises(StoreError, match="busy"):
            store.write_status("node", b"{}")
    finally:
        other.close()
    store.write_status("node", b'{"ok":1}')


def test_readonly_cannot_write_and_sees_changes(store: Store, db_path: Path) -> None:
    store.insert_records([rec(0)], LOCAL_SOURCE)
    with Store.open(db_path, readonly=True) as reader:
        assert reader.readonly and reader.count_records() == 1
        writes: list[Callable[[], object]] = [
            lambda: reader.insert_records([rec(1)], LOCAL_SOURCE),
            lambda: reader.upsert_peer("p", [], True, "x"),
            lambda: reader.add_event("k", "m"),
            lambda: reader.enqueue_control("ping"),
            lambda: reader.claim_control(),
            lambda: reader.finish_control(1, ok=True),
            lambda: reader.write_status("node", b"{}"),
        ]
        for write in writes:
            with pytest.raises(StoreError, match="read-only"):
                write()
        with pytest.raises(sqlite3.OperationalError):
            reader.db.execute("DELETE FROM records")  # the connection itself is read-only
        before = reader.data_version()
        assert reader.data_version() == before  # stable while nobody writes
        store.write_status("node", b'{"peers":1}')
        after = reader.data_version()
        assert after != before
        assert reader.read_status("node") is not None
        store.insert_records([rec(1)], LOCAL_SOURCE)
        assert reader.data_version() != after and reader.count_records() == 1 + 1
        assert reader.size_bytes() == store.size_bytes() > 0
    assert store.count_records() == 2


def test_readonly_needs_an_existing_migrated_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(StoreError, match="start the node once"):
        Store.open(empty, readonly=True)


def test_relaxed_commits_switch_back_to_full_sync(tmp_path: Path) -> None:
    with Store.open(tmp_path / "r.db") as store:

        def level() -> int:
            return int(store.db.execute("PRAGMA synchronous").fetchone()[0])

        assert level() == 2  # FULL
        with store.relaxed():
            assert level() == 1  # NORMAL
            store.insert_records([RecordRow("t", b"a" * 32, 0, 1, b"x")], "peer")
        assert level() == 2
        store.write_status("node", b'{"ok":true}')
        assert level() == 2
        assert store.count_records("t") == 1
